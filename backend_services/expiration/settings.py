from pydantic import Field

from backend_services.common.settings import CommonSettings


class ExpirationSettings(CommonSettings):
    service_name: str = "expiration"
    # How often the worker looks for due timers: the bulk of the expiry lateness.
    poll_delay_seconds: float = Field(default=0.1, gt=0, le=1)
    # Jobs run at once (each is one publish): bounds how fast a burst of expiries drains.
    max_jobs: int = Field(default=100, gt=0)
    # A job that runs longer than this is abandoned (and retried by arq).
    job_timeout_seconds: float = Field(default=10, gt=0)
    # A finished job's result is kept this long; while kept, the same order is never
    # scheduled again (a redelivered `order.created` enqueues nothing).
    keep_result_seconds: int = Field(default=7 * 24 * 3600, gt=0)
    # A job not yet run this long after its due time is dropped by arq.
    job_grace_seconds: int = Field(default=7 * 24 * 3600, gt=0)
    # Publishing retries (NATS down): arq Retry with back-off up to this many tries.
    max_tries: int = Field(default=100_000, gt=0)
