"""Build the seeds' generated client (pydantic v2 models) from the MDES CS API 2.0.7 spec.

The seeds' ``openapi_client`` is what openapi-generator makes of
``specs/mdes-customer-service-v2.0.7/swagger.yaml``; the benchmarks compare against it.
It is generated on first use into ``benchmarks/_generated/`` (not committed) with the PyPI
package ``openapi-generator-cli``, which runs the machine's Java.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "_generated"
SPEC_CANDIDATES = (
    HERE / "specs" / "mdes-customer-service-v2.0.7.yaml",
    HERE.parent.parent / "shared" / "specs" / "mdes-customer-service-v2.0.7" / "swagger.yaml",
)


def ensure_generated_client() -> bool:
    """Generate the client if needed and put it on ``sys.path``; False if impossible."""
    if not (OUT / "openapi_client").is_dir():
        spec = next((p for p in SPEC_CANDIDATES if p.is_file()), None)
        generator = shutil.which("openapi-generator-cli") or str(
            Path(sys.executable).with_name("openapi-generator-cli")
        )
        if spec is None or not os.path.exists(generator) or shutil.which("java") is None:
            return False
        subprocess.run(
            [
                generator,
                "generate",
                "-i",
                str(spec),
                "-g",
                "python",
                "-o",
                str(OUT),
                "--package-name",
                "openapi_client",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    if str(OUT) not in sys.path:
        sys.path.insert(0, str(OUT))
    return True
