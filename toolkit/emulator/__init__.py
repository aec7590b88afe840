"""The local Microsoft.MachineLearning service: ARM provider, BES and RRS, SQLite state, faults."""

from toolkit.emulator.server import Emulator, EmulatorConfig

__all__ = ["Emulator", "EmulatorConfig"]
