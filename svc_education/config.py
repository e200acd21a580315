"""svc_education's own settings, from TRADING_EDUCATION_* environment variables."""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class EducationSettings(BaseSettings):
    """Catalogue paging, lesson previews and the demo courses."""

    model_config = SettingsConfigDict(env_prefix="TRADING_EDUCATION_", extra="ignore")

    default_page_size: int = 20
    # What a learner who is not enrolled reads of a lesson: its opening, cut at a paragraph.
    preview_chars: int = 600
    # Seed the demo courses of svc_education/content on first start.
    seed_demo_courses: bool = True
