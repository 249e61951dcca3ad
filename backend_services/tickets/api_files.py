"""`/api/tickets/{id}/file`: the e-ticket, uploaded by its seller as the raw request body."""

from __future__ import annotations

import tempfile
from typing import IO, Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import StreamingResponse

from backend_services.common.errors import BadRequest, error_responses
from backend_services.common.sessions import SignedInUser
from backend_services.common.threads import in_thread
from contracts.rules import TICKET_FILE_MAX_BYTES, TICKET_FILE_TYPES

from . import files
from .api import RuntimeDep, ticket_out
from .domain import MAGIC_BYTES, content_matches
from .filestore import CHUNK_BYTES
from .schemas import TicketOut

router = APIRouter(tags=["ticket files"])

FIELD = "file"
TOO_BIG = f"The file must be at most {TICKET_FILE_MAX_BYTES // 2**20} MiB"
EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            t: {"schema": {"type": "string", "format": "binary"}} for t in TICKET_FILE_TYPES
        },
    }
}


@router.put(
    "/{ticket_id}/file",
    response_model=TicketOut,
    responses=error_responses(400, 401, 403, 404, 409),
    openapi_extra=UPLOAD_BODY,
)
async def upload_file(
    ticket_id: str,
    request: Request,
    user: SignedInUser,
    runtime: RuntimeDep,
    content_type: Annotated[str, Header()] = "",
    content_length: Annotated[str | None, Header()] = None,
) -> TicketOut:
    await in_thread(files.check_upload, runtime.engine, user, ticket_id)
    declared = content_type.split(";")[0].strip().lower()
    if declared not in TICKET_FILE_TYPES:
        raise BadRequest("Upload a PDF, PNG or JPEG file (its Content-Type)", field=FIELD)
    if content_length and content_length.isdigit() and int(content_length) > TICKET_FILE_MAX_BYTES:
        raise BadRequest(TOO_BIG, field=FIELD)
    # Spooled: small files stay in memory, larger ones go to a temporary file.
    with tempfile.SpooledTemporaryFile(max_size=CHUNK_BYTES) as spool:
        head = await receive(request, spool, TICKET_FILE_MAX_BYTES)
        if not content_matches(declared, head):
            raise BadRequest(f"The file's content is not {EXTENSIONS[declared].upper()}", FIELD)
        ticket = await in_thread(
            files.attach, runtime.engine, runtime.deps.files, user, ticket_id, declared, spool
        )
    return ticket_out(ticket)


async def receive(request: Request, sink: IO[bytes], limit: int) -> bytes:
    """Copy the body into `sink`, refusing it as soon as it passes `limit`; its first bytes."""
    size, head = 0, b""
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BadRequest(TOO_BIG, field=FIELD)
        if len(head) < MAGIC_BYTES:
            head = (head + chunk)[:MAGIC_BYTES]
        sink.write(chunk)
    if size == 0:
        raise BadRequest("The file is empty", field=FIELD)
    return head


@router.get(
    "/{ticket_id}/file",
    response_class=StreamingResponse,
    responses={
        200: {"content": {t: {} for t in TICKET_FILE_TYPES}, "description": "The file"},
        **error_responses(401, 403, 404),
    },
)
async def download_file(
    ticket_id: str, user: SignedInUser, runtime: RuntimeDep
) -> StreamingResponse:
    download = await in_thread(
        files.open_download, runtime.engine, runtime.deps.files, user, ticket_id
    )
    name = f"ticket-{download.ticket_id}.{EXTENSIONS.get(download.info.content_type, 'bin')}"
    return StreamingResponse(
        download.chunks,  # a sync iterator: Starlette reads each chunk in a worker thread
        media_type=download.info.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Content-Length": str(download.info.size),
            "Cache-Control": "private, no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
