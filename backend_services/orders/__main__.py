from backend_services.common.serve import serve

serve("backend_services.orders.main:create", default_port=4003)
