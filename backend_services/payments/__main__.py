from backend_services.common.serve import serve

serve("backend_services.payments.main:create", default_port=4004)
