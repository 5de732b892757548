import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crisisplan.settings")
# A web request's statements give up after this many seconds (a request must not hang on
# a database that does not answer); commands (migrate, key rotation) have no such limit.
os.environ.setdefault("DATABASE_STATEMENT_TIMEOUT", "5")
application = get_wsgi_application()
