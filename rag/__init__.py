"""Offline, cited, extractive question answering over inspection reports.

    import rag
    assistant = rag.Assistant.open("index")
    answer = assistant.ask("What share of staff had over 55 cases?")
"""
from .assistant import Assistant, QuestionError
from .build import build_index
from .reader import read
from .results import Answer, Citation, Hit

__version__ = "0.1.0"

__all__ = ["Assistant", "Answer", "Citation", "Hit", "QuestionError", "build_index", "read", "__version__"]
