"""The demo mailbox: a seeded, reproducible month of mail to the CEO of a fictional telecom.

``generate_demo_mailbox(dest)`` writes ``dest/demo.mbox``; ``load_scenario()`` gives the story's
identifiers (the customer, her two Message-IDs, the blog URL, the journalist, the office's
draft reply) that the end-to-end demo and its tests look for. See docs/demo.md.
"""

from execdesk.demo.generate import DemoMailbox, DemoMessage, build_demo, generate_demo_mailbox
from execdesk.demo.scenario import Scenario, default_scenario_path, load_scenario

__all__ = [
    "DemoMailbox",
    "DemoMessage",
    "Scenario",
    "build_demo",
    "default_scenario_path",
    "generate_demo_mailbox",
    "load_scenario",
]
