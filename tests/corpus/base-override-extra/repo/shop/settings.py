import os

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
DATABASES = {"default": {"NAME": os.environ.get("POSTGRES_DB", "shop")}}
