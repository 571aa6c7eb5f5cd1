"""Browser accounts (django-allauth): the sign-up forms with consent, and the adapters
that speak the recipient's language and explain a lock-out."""
