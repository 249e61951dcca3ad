from backend_services.common.settings import ServiceSettings


class CatalogSettings(ServiceSettings):
    service_name: str = "catalog"
    database_url: str = "sqlite:///var/data/catalog.db"
