"""Optional LLM help: a port, two adapters, prices, and the step that fills empty fields.

``LLM`` (port) ← ``OpenAICompatibleLLM`` (httpx) | ``GeminiLLM`` (google-genai);
``fill_missing`` asks for the still-empty fields only.
"""

from service.research.llm.fill import LLM_FIELDS, fill_missing
from service.research.llm.gemini import GeminiLLM
from service.research.llm.openai_compat import OpenAICompatibleLLM
from service.research.llm.port import LLM, LLMAnswer
from service.research.llm.pricing import DEFAULT_PRICES, Price

__all__ = [
    "DEFAULT_PRICES",
    "LLM",
    "LLMAnswer",
    "LLM_FIELDS",
    "GeminiLLM",
    "OpenAICompatibleLLM",
    "Price",
    "fill_missing",
]
