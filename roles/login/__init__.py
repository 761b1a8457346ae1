"""Login throttling that a school's shared address cannot turn against the real user.

In a school, pupils and the director leave through one NAT address: a lock on "this login from
this address" lets a pupil lock the director out, and a lock on the login alone lets anyone do
it. So a login is judged by where it comes from:

- from a device where this login has signed in before (a signed cookie, `devices`), only that
  device's own failures count;
- from any other client, the login's failures from unknown clients and the address's failures
  from unknown clients (password spraying) count, each against its own limit;
- the real user on a new device gets in with a one-time code e-mailed to the login's address
  (`codes`), or after an administrator lifts the lock (`throttle.lift`, a page in /structure/).

`backends.ThrottledModelBackend` applies the rules to every password login (the login page, the
invitation landing's sign-in, /admin/); `middleware.LoginThrottleMiddleware` turns a refusal
into the 429 page and remembers the device after a successful login.
"""
