"""Staff accounts: sign-in that resists guessing (django-axes locks an account, and an address,
after repeated failures), two-factor sign-in with an authenticator app (django-otp's TOTP;
required of admins and managers, open to any staff member), password reset by e-mail, sessions
that end after a while idle, API throttling, and an admin site for admins only."""
