"""asm-tutor: an interactive terminal tutor for Rust's inline assembly."""

__version__ = "0.1.0"
