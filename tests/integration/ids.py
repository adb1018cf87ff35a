"""Valid identifiers for tests and generators: GB 11643 resident id numbers
and GB 32100 unified social credit codes. Standard library only, no stack
needed (hrss_client re-exports them)."""

import datetime

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def id_number(n, area="433123", birth="19800101"):
    """A valid GB 11643 id number, distinct for distinct n < 1000 * 36500."""
    days, seq = divmod(n, 1000)
    y, m, d = int(birth[:4]), int(birth[4:6]), int(birth[6:])
    date = datetime.date(y, m, d) + datetime.timedelta(days=days)
    body = "%s%s%03d" % (area, date.strftime("%Y%m%d"), seq)
    total = sum(int(c) * w for c, w in zip(body, _ID_WEIGHTS))
    return body + "10X98765432"[total % 11]


_CC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def credit_code(n):
    """A valid GB 32100 unified social credit code."""
    body = "91433123" + "%09d" % n
    body = body[:8] + "MA" + body[10:17]
    total = sum(_CC_CHARS.index(c) * w for c, w in zip(body, _CC_WEIGHTS))
    return body + _CC_CHARS[(31 - total % 31) % 31]
