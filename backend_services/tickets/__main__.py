from backend_services.common.serve import serve

serve("backend_services.tickets.main:create", default_port=4002)
