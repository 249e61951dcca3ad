from backend_services.common.settings import ServiceSettings


class AuthSettings(ServiceSettings):
    service_name: str = "auth"
    database_url: str = "sqlite:///var/data/auth.db"
    redis_url: str = "redis://127.0.0.1:6379/0"
    signin_max_failures: int = 5
    signin_window_seconds: int = 15 * 60
