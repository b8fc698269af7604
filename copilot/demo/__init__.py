"""The embedded demo company (澜溪日化 Lanxi Consumer Care): master data and the `build_demo` builder."""

from copilot.demo.build import DemoSummary, build_demo

__all__ = ["DemoSummary", "build_demo"]
