"""How often the tone guard blocks internal executive mail, at a revision and now (a coarse false-positive check).

Usage: ``python benchmarks/tone_internal_mail_blocks.py [REV] [--n 1500]`` (default REV: HEAD).

The guard is meant for replies to customers, not for internal mail, where legal talk is ordinary;
but if a change of the rules raised the block rate on 1,500 Enron executive messages
(../shared/data/enron_exec_mail) much, it would be blocking more ordinary wording everywhere.
Prints both block counts and the messages only the working tree blocks.
"""

from __future__ import annotations

import sys

from revision import package_at

from execdesk.analyze.training.data import default_data_dir, load_enron
from execdesk.reply.tone import check_tone


def bodies(n: int) -> list[str]:
    """The first ``n`` message bodies of 40-3,000 characters, in the file's order."""
    texts = (e.body.strip() for e in load_enron(default_data_dir(), labelled_only=False))
    return [t for t in texts if 40 < len(t) < 3000][:n]


def main(argv: list[str]) -> int:
    n = int(argv[argv.index("--n") + 1]) if "--n" in argv else 1500
    revs = [a for i, a in enumerate(argv) if not a.startswith("--") and (i == 0 or argv[i - 1] != "--n")]
    old = package_at(revs[0] if revs else "HEAD", "reply.tone")
    texts = bodies(n)
    now = [check_tone(t).verdict == "block" for t in texts]
    was = [old.check_tone(t).verdict == "block" for t in texts]
    print(f"{len(texts)} Enron executive messages: blocked at the revision {sum(was)}, now {sum(now)}")
    for t, a, b in zip(texts, now, was, strict=True):
        if a and not b:
            print(" + now blocked:", t[:160].replace("\n", " "))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
