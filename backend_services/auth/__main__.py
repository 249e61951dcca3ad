from backend_services.common.serve import serve

serve("backend_services.auth.main:create", default_port=4001)
