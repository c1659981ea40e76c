"""The test's hands inside the VM: runs commands it is sent over a virtio serial port.

The VM has no network device, so the host reaches it only through QEMU's
character devices. This runs as root under the guest's own python3 (standard
library only): one JSON request a line in, one JSON answer a line out.
"""

import base64
import json
import os
import subprocess
import time

PORT = "/dev/virtio-ports/vmtest.agent"


def answer(request: dict[str, object]) -> dict[str, object]:
    """Runs ``argv`` (or reads ``read``, a file's bytes) and says what came of it."""
    if "read" in request:
        try:
            with open(str(request["read"]), "rb") as handle:
                return {"data": base64.b64encode(handle.read()).decode()}
        except OSError as error:
            return {"error": str(error)}
    argv = [str(part) for part in request["argv"]]  # type: ignore[attr-defined]
    timeout = float(request.get("timeout", 60))  # type: ignore[arg-type]
    try:
        done = subprocess.run(
            argv,
            input=str(request.get("stdin", "")).encode(),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return {"rc": -1, "out": "", "err": f"timed out after {timeout} s"}
    except OSError as error:
        return {"rc": -1, "out": "", "err": str(error)}
    return {
        "rc": done.returncode,
        "out": done.stdout.decode(errors="replace"),
        "err": done.stderr.decode(errors="replace"),
    }


def send(fd: int, data: bytes) -> None:
    """All of ``data``: a port takes what fits in its buffer at a time."""
    while data:
        data = data[os.write(fd, data) :]


def serve() -> None:
    """Until the VM stops; a port the host has not opened yet is waited for, not an error."""
    while not os.path.exists(PORT):
        time.sleep(0.2)
    with open(PORT, "r+b", buffering=0) as port:
        pending = b""
        while True:
            chunk = port.read(65536)
            if not chunk:
                time.sleep(0.1)
                continue
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                request = json.loads(line)
                reply = {"id": request["id"], **answer(request)}
                send(port.fileno(), json.dumps(reply).encode() + b"\n")


if __name__ == "__main__":
    serve()
