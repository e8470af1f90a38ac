import pytest
from pydantic import ValidationError

from livechat.settings import Settings


def test_defaults_are_the_embedded_single_node(monkeypatch):
    for key in ("LIVECHAT_DATABASE_URL", "LIVECHAT_REDIS_URL"):
        monkeypatch.delenv(key, raising=False)
    settings = Settings()
    assert settings.database_url == "sqlite+aiosqlite:///./livechat.db"
    assert settings.redis_url is None


def test_environment_with_one_prefix(monkeypatch):
    monkeypatch.setenv("LIVECHAT_DATABASE_URL", "postgres://u:p@db/shop")
    monkeypatch.setenv("LIVECHAT_ALLOWED_ORIGINS", "https://shop.example, https://www.shop.example")
    monkeypatch.setenv("LIVECHAT_RASA_TIMEOUT_S", "2.5")
    settings = Settings()
    assert settings.database_url == "postgresql+asyncpg://u:p@db/shop"
    assert settings.allowed_origins == ["https://shop.example", "https://www.shop.example"]
    assert settings.rasa_timeout_s == 2.5


def test_bad_values_fail_at_start_up(monkeypatch):
    monkeypatch.setenv("LIVECHAT_PORT", "eighty")
    with pytest.raises(ValidationError):
        Settings()


def test_generated_secret_survives_restarts(tmp_path):
    first = Settings(data_dir=tmp_path).signing_key
    assert Settings(data_dir=tmp_path).signing_key == first and len(first) > 40


def test_the_readme_lists_every_setting():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    missing = [f"LIVECHAT_{name.upper()}" for name in Settings.model_fields if f"`LIVECHAT_{name.upper()}`" not in readme]
    assert missing == []
