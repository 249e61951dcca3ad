from backend_services.common.serve import serve

serve("catalog")
