"""AI and machine-learning APIs (OpenAI, Anthropic and Hugging Face user tokens are in
``saas.py``): Hugging Face organisation tokens, Groq, Perplexity, xAI, Replicate,
OpenRouter, Together, DeepSeek, Mistral, Cohere, ElevenLabs, NVIDIA, LangSmith, Langfuse,
Pinecone, AssemblyAI, Deepgram, Stability, Cerebras, Weights & Biases (``ai_tools.py`` has
the agent, search and hosting APIs).

Sources: the providers' API-key documentation where it shows the prefix (Groq ``gsk_``,
Perplexity ``pplx-``, xAI ``xai-``, Replicate ``r8_``, OpenRouter ``sk-or-v1-``, NVIDIA
``nvapi-``, LangSmith ``lsv2_``, Pinecone ``pcsk_``), otherwise gitleaks /
betterleaks / TruffleHog rules.  Keys billed per use: CRITICAL.
"""

from __future__ import annotations

from scriptrunner.findings.model import Severity
from scriptrunner.scanners.secrets.rules.model import Rule
from scriptrunner.scanners.secrets.rules.shapes import UUID, keyed, token

AI_RULES: tuple[Rule, ...] = (
    token(
        "huggingface-token",
        "Hugging Face organisation token",
        "api_org_",
        "[A-Za-z]{34}",
        min_entropy=3.5,
        examples=("HF_ORG_TOKEN=api_org_{alpha:34}",),
        counterexamples=("api_org_{alpha:20}",),
    ),
    token(
        "groq-api-key",
        "Groq API key",
        "gsk_",
        "[A-Za-z0-9]{52}",
        examples=("GROQ_API_KEY=gsk_{alnum:52}",),
        counterexamples=("gsk_{alnum:30}",),
    ),
    token(
        "perplexity-api-key",
        "Perplexity API key",
        "pplx-",
        "[A-Za-z0-9]{48}",
        examples=("PERPLEXITY_API_KEY=pplx-{alnum:48}",),
        counterexamples=("pplx-{alnum:20}",),
    ),
    token(
        "xai-api-key",
        "xAI API key",
        "xai-",
        "[A-Za-z0-9_]{70,120}",
        keyword_boundary=True,
        examples=("XAI_API_KEY=xai-{alnum:80}",),
        counterexamples=("xai-{alnum:30}",),
    ),
    token(
        "replicate-api-token",
        "Replicate API token",
        "r8_",
        "[A-Za-z0-9_-]{37}",
        keyword_boundary=True,
        examples=("REPLICATE_API_TOKEN=r8_{alnum:37}",),
        counterexamples=("r8_{alnum:20}",),
    ),
    token(
        "openrouter-api-key",
        "OpenRouter API key",
        "sk-or-v1-",
        "[a-f0-9]{64}",
        examples=("OPENROUTER_API_KEY=sk-or-v1-{hex:64}",),
        counterexamples=("sk-or-v1-{hex:30}",),
    ),
    token(
        "together-api-key",
        "Together AI API key",
        "tgp_v1_",
        "[A-Za-z0-9_-]{43}",
        examples=("TOGETHER_API_KEY=tgp_v1_{url:43}",),
        counterexamples=("tgp_v1_{url:20}",),
    ),
    keyed(
        "together-api-key",
        "Together AI API key (legacy)",
        ("together",),
        "[a-f0-9]{64}",
        severity=Severity.CRITICAL,
        examples=("TOGETHER_API_KEY={hex:64}",),
        counterexamples=("TOGETHER_MODEL_HASH={hex:64}",),
        nested=False,  # a common word: no section-header matches
    ),
    keyed(
        "deepseek-api-key",
        "DeepSeek API key",
        ("deepseek",),
        "sk-[a-f0-9]{32}",
        words=False,
        confidence="HIGH",
        severity=Severity.CRITICAL,
        examples=(
            "DEEPSEEK_API_KEY=sk-{hex:32}",
            'OpenAI(base_url="https://api.deepseek.com", api_key="sk-{hex:32}")',
        ),
        counterexamples=("DEEPSEEK_API_KEY=sk-{hex:20}",),
    ),
    keyed(
        "mistral-api-key",
        "Mistral AI API key",
        ("mistral",),
        "[A-Za-z0-9]{32}",
        severity=Severity.CRITICAL,
        examples=("MISTRAL_API_KEY={alnum:32}",),
        counterexamples=("MISTRAL_MODEL={alnum:32}",),
    ),
    keyed(
        "cohere-api-key",
        "Cohere API key",
        ("cohere", "co_api_key"),
        "[A-Za-z0-9]{40}",
        severity=Severity.CRITICAL,
        examples=("COHERE_API_KEY={alnum:40}", "CO_API_KEY={alnum:40}"),
        counterexamples=("COHERE_MODEL={alnum:40}",),
    ),
    keyed(
        "elevenlabs-api-key",
        "ElevenLabs API key",
        ("elevenlabs", "eleven_labs", "xi-api-key", "xi_api_key"),
        "sk_[a-f0-9]{48}|[a-f0-9]{32}",
        severity=Severity.CRITICAL,
        examples=("ELEVENLABS_API_KEY=sk_{hex:48}", '-H "xi-api-key: {hex:32}"'),
        counterexamples=("ELEVENLABS_VOICE_ID={hex:32}",),
    ),
    token(
        "nvidia-api-key",
        "NVIDIA API key",
        "nvapi-",
        "[A-Za-z0-9_-]{64}",
        examples=("NVIDIA_API_KEY=nvapi-{url:64}",),
        counterexamples=("nvapi-{url:30}",),
    ),
    token(
        "langsmith-api-key",
        "LangSmith API key",
        ("lsv2_pt_", "lsv2_sk_"),
        "[a-f0-9]{32}_[a-f0-9]{10}",
        examples=("LANGSMITH_API_KEY=lsv2_pt_{hex:32}_{hex:10}",),
        counterexamples=("lsv2_pt_{hex:32}",),
    ),
    token(
        "langfuse-secret-key",
        "Langfuse secret key",
        "sk-lf-",
        UUID,
        examples=("LANGFUSE_SECRET_KEY=sk-lf-{hex:8}-{hex:4}-{hex:4}-{hex:4}-{hex:12}",),
        counterexamples=("sk-lf-{hex:8}",),
    ),
    token(
        "pinecone-api-key",
        "Pinecone API key",
        "pcsk_",
        "[A-Za-z0-9]{5,6}_[A-Za-z0-9]{63}",
        examples=("PINECONE_API_KEY=pcsk_{alnum:6}_{alnum:63}",),
        counterexamples=("pcsk_{alnum:6}_{alnum:20}",),
    ),
    keyed(
        "pinecone-api-key",
        "Pinecone API key (legacy)",
        ("pinecone",),
        UUID,
        examples=("PINECONE_API_KEY={hex:8}-{hex:4}-{hex:4}-{hex:4}-{hex:12}",),
        counterexamples=("PINECONE_INDEX_ID={hex:8}-{hex:4}-{hex:4}-{hex:4}-{hex:12}",),
    ),
    keyed(
        "assemblyai-api-key",
        "AssemblyAI API key",
        ("assemblyai", "assembly_ai"),
        "[a-f0-9]{32}",
        examples=("ASSEMBLYAI_API_KEY={hex:32}",),
        counterexamples=("ASSEMBLYAI_TRANSCRIPT={hex:32}",),
    ),
    keyed(
        "deepgram-api-key",
        "Deepgram API key",
        ("deepgram",),
        "[a-f0-9]{40}",
        examples=("DEEPGRAM_API_KEY={hex:40}",),
        counterexamples=("DEEPGRAM_PROJECT={hex:40}",),
    ),
    keyed(
        "stability-api-key",
        "Stability AI API key",
        ("stability",),
        "sk-[A-Za-z0-9]{48}",
        words=False,
        confidence="HIGH",
        examples=("STABILITY_API_KEY=sk-{alnum:48}",),
        counterexamples=("STABILITY_API_KEY=sk-{alnum:20}",),
    ),
    token(
        "cerebras-api-key",
        "Cerebras API key",
        "csk-",
        "[a-z0-9]{48}",
        examples=("CEREBRAS_API_KEY=csk-{lowalnum:48}",),
        counterexamples=("csk-{lowalnum:20}",),
    ),
    token(
        "wandb-api-key",
        "Weights & Biases API key",
        "wandb_v1_",
        "[A-Za-z0-9_]{77}",
        examples=("WANDB_API_KEY=wandb_v1_{alnum:77}",),
        counterexamples=("wandb_v1_{alnum:30}",),
    ),
    keyed(
        "wandb-api-key",
        "Weights & Biases API key (legacy)",
        ("wandb", "weightsandbiases"),
        "[a-f0-9]{40}",
        examples=("WANDB_API_KEY={hex:40}",),
        counterexamples=("WANDB_RUN_ID={hex:40}",),
    ),
)

__all__ = ["AI_RULES"]
