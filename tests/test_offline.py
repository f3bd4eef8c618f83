"""tests/offline: the network guard that the suite, the book build and every chapter's kernel run under."""
import os
import socket
import subprocess
import sys

import pytest

from conftest import OFFLINE


def test_connections_off_the_machine_are_refused_in_the_test_process():
    with pytest.raises(OSError, match="network access is blocked"):
        socket.create_connection(("93.184.216.34", 80), timeout=1)
    with pytest.raises(OSError, match="network access is blocked"):
        socket.getaddrinfo("huggingface.co", 443)


def test_loopback_stays_open():
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    with socket.create_connection(server.getsockname(), timeout=1):
        pass
    server.close()


def test_a_guarded_process_records_each_attempt(tmp_path):
    log = tmp_path / "attempts.log"
    env = {**os.environ, "PYTHONPATH": str(OFFLINE), "JIELONG_NETWORK_LOG": str(log)}
    code = "import urllib.request\ntry:\n    urllib.request.urlopen('https://pypi.org', timeout=2)\nexcept OSError:\n    pass\n"
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    assert "resolve 'pypi.org'" in log.read_text()
