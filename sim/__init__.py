"""distill-sim: an agent-based simulator of distillation campaigns against AI
model APIs and the controls that could stop them.

``sim.runner.run(cfg) -> RunResult`` is the whole runner; ``sim.app`` is the
Hydra command line around it.
"""

__version__ = "0.1.0"
