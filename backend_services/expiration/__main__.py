from backend_services.common.serve import serve

serve("backend_services.expiration.main:create", default_port=4005)
