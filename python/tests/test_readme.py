"""The README's JAX and PyTorch examples run as written and print what the
README says they print."""

import os
import re
import subprocess
import sys

README = os.path.join(os.path.dirname(__file__), "..", "..", "README.md")
PRINTS = ["152.0 [ 4. 10. 12. 18.  4.]",
          "68.0 tensor([1., 4., 6., 9., 1.], dtype=torch.float64) "
          "tensor([12., 17., 30.], dtype=torch.float64)"]


def examples():
    text = open(README).read()
    section = text[text.index("\n## Python\n"):text.index("\n## Installing\n")]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_examples_run_as_written():
    blocks = examples()
    assert len(blocks) == len(PRINTS)
    prose = " ".join(open(README).read().replace("`", "").split())
    assert all(" ".join(p.split()) in prose for p in PRINTS)  # the README says so
    for code, expected in zip(blocks, PRINTS):
        assert len(code.splitlines()) <= 10
        out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                             text=True).stdout
        assert " ".join(out.split()) == " ".join(expected.split()), out
