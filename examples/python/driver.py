"""Drives consumer.py for its Go test (consumer_test.go): one command per
line on stdin, one JSON answer per line on stdout, in one warm process.

  invoke               lambda_handler({}, None)
  rule {"value": v, "now": t}
                       the token and until the cache keeps it, for value v
                       read at Unix time t
"""

import json
import sys

import consumer


class _StubSSM:
    class exceptions:
        class ParameterNotFound(Exception):
            pass

    def __init__(self, value):
        self.value = value

    def get_parameter(self, Name, WithDecryption):
        assert WithDecryption
        return {"Parameter": {"Value": self.value}}


def answer(fn):
    try:
        return {"ok": fn()}
    except Exception as e:  # the test checks the error's type and text
        return {"error": str(e), "type": type(e).__name__}


def rule(arg):
    src = consumer.TokenSource("/tokens/rule", ssm=_StubSSM(arg["value"]), clock=lambda: arg["now"])
    tok = src.token()
    return {"header": tok.header(), "expires_at": tok.expires_at, "until": src._until}


for line in sys.stdin:
    cmd, _, rest = line.strip().partition(" ")
    if cmd == "invoke":
        out = answer(lambda: consumer.lambda_handler({}, None))
    elif cmd == "rule":
        out = answer(lambda: rule(json.loads(rest)))
    else:
        out = {"error": "unknown command " + cmd, "type": "driver"}
    print(json.dumps(out), flush=True)
