"""The phone channel (R43–R48, R32): call records posted by a phone system become cases or
join one; ``parse`` reads them, ``channel.PhoneChannel`` matches the caller, ``api`` is the
``POST /api/v1/intake/calls`` endpoint."""
