"""Refuse, and record, every network connection that would leave this machine.

Python imports `sitecustomize` at start-up from the path, so putting this folder on PYTHONPATH guards every Python
process started with it: the book build, and each kernel that executes a chapter. The test process itself imports
it from conftest. Attempts are appended to the file that JIELONG_NETWORK_LOG names, and refused with an OSError.
"""
import ipaddress
import os
import socket
import traceback

_connect, _connect_ex, _getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo
ATTEMPTS: list[str] = []  # this process's refused attempts (the test session fails at its end if there are any)


def _local(host) -> bool:
    if host in ("localhost", "", None):
        return True
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False  # a name that needs a DNS lookup


def _refuse(what: str):
    ATTEMPTS.append(what)
    log = os.environ.get("JIELONG_NETWORK_LOG")
    if log:  # with the calls that led here, to find the library that tried
        with open(log, "a") as f:
            f.write(f"{os.getpid()} {what}\n" + "".join(traceback.format_stack()[:-2]))
    raise OSError(f"network access is blocked in the offline check: {what}")


def _guarded_connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _local(address[0]):
        _refuse(f"connect {address!r}")
    return _connect(self, address)


def _guarded_connect_ex(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _local(address[0]):
        _refuse(f"connect {address!r}")
    return _connect_ex(self, address)


def _guarded_getaddrinfo(host, *args, **kwargs):
    if not _local(host if isinstance(host, str) or host is None else host.decode()):
        _refuse(f"resolve {host!r}")
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo = (_guarded_connect, _guarded_connect_ex,
                                                                       _guarded_getaddrinfo)
