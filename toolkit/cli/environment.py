"""The terminal facts a command depends on, injected (as httpie's Environment): where output goes, and whether
a person is at the terminal to answer a prompt or watch a status line.

`main(argv)` reads them off the process; tests pass their own (`main(argv, env=Environment(...))`) to run the
terminal path in-process: a prompt answered from a string, a status line caught in a buffer.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TextIO


@dataclass
class Environment:
    stdin: TextIO
    stdout: TextIO
    stderr: TextIO
    stdin_isatty: bool  # a person can answer a prompt
    stderr_isatty: bool  # a person sees the status line

    @classmethod
    def of_process(cls) -> Environment:
        """The process's streams as they are now (pytest's capture and redirections replace them)."""
        return cls(
            stdin=sys.stdin,
            stdout=sys.stdout,
            stderr=sys.stderr,
            stdin_isatty=_isatty(sys.stdin),
            stderr_isatty=_isatty(sys.stderr),
        )

    def ask(self, question: str) -> bool:
        """A yes/no question on stderr, answered on stdin; no answer is no. End of input is Ctrl-D: EOFError."""
        while True:
            self.stderr.write(f"{question} [y/N]: ")
            self.stderr.flush()
            line = self.stdin.readline()
            if not line:
                self.stderr.write("\n")
                raise EOFError
            answer = line.strip().lower()
            if answer in ("y", "yes"):
                return True
            if answer in ("", "n", "no"):
                return False
            self.stderr.write("Error: invalid input\n")


def _isatty(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except ValueError:  # a closed stream
        return False
