from backend_services.common.settings import ServiceSettings


class TicketsSettings(ServiceSettings):
    service_name: str = "tickets"
    database_url: str = "sqlite:///var/data/tickets.db"
