"""Full-text search ranks lessons the same way on SQLite (FTS5, bm25) and PostgreSQL (tsvector,
ts_rank_cd): a word in the title beats the same word in the text, more of the query's words beat
fewer, stemming matches word forms, and unpublished courses are never found."""

from __future__ import annotations

from svc_education.authoring import CourseDraft, LessonDraft
from svc_education.search import words_of
from tests.education.conftest import ADMIN, RISK, Kit

FILLER = "Markets move for many reasons and traders keep notes about every session they trade. " * 3


async def course_with(kit: Kit, slug: str, lessons: dict[str, str], publish: bool = True) -> dict[str, str]:
    """A course of one module with the given lessons (title: text); returns title -> lesson id."""
    authoring = kit.edu.authoring
    course = await authoring.create_course(
        ADMIN, CourseDraft(slug=slug, title=f"Course {slug}", level="beginner", category="test")
    )
    module = await authoring.create_module(ADMIN, course.course.id, "Only module")
    ids = {}
    for title, body in lessons.items():
        lesson = await authoring.create_lesson(
            ADMIN, module.module.id, LessonDraft(title=title, kind="article", body_markdown=body)
        )
        ids[title] = lesson.id
    if publish:
        await authoring.publish(ADMIN, course.course.id, True)
    return ids


async def test_search_ranks_title_matches_and_more_words_first(kit: Kit) -> None:
    ids = await course_with(
        kit,
        "ranking",
        {
            "Trailing stops": f"{FILLER} Move the protective level as price advances.",
            "Sessions": f"{FILLER} A trailing stop follows price at a fixed distance. {FILLER}",
            "Journaling": f"{FILLER} Write down why you moved a stop. {FILLER}",
            "Candles": FILLER,
        },
    )
    hits = await kit.edu.search.search("trailing stop")
    order = [h.lesson_id for h in hits]
    # Both words in the title, then both in the text, then one word only; no match, no hit.
    assert order == [ids["Trailing stops"], ids["Sessions"], ids["Journaling"]]
    assert hits[0].rank > hits[1].rank > hits[2].rank
    assert hits[0].course_slug == "ranking"
    assert "**" in hits[1].snippet  # the matched words are marked


async def test_search_matches_word_forms_and_ignores_operators(kit: Kit) -> None:
    ids = await course_with(kit, "forms", {"Sizing": f"{FILLER} Size positions from the stop distance."})
    for query in ("sized position", "POSITIONS", 'positions" OR "x', "position & | ! (sizing)"):
        assert [h.lesson_id for h in await kit.edu.search.search(query)] == [ids["Sizing"]], query
    assert await kit.edu.search.search("the of and") == []
    assert await kit.edu.search.search("   ") == []
    assert words_of("How do I size a position?") == ["size", "position"]


async def test_unpublished_courses_are_not_found_and_updates_are_reindexed(kit: Kit) -> None:
    hidden = await course_with(kit, "hidden", {"Hidden gem": "Fibonacci retracements explained."}, False)
    assert await kit.edu.search.search("fibonacci") == []
    shown = await course_with(kit, "shown", {"Levels": "Support and resistance."})
    assert await kit.edu.search.search("retracement") == []
    await kit.edu.authoring.update_lesson(
        ADMIN, shown["Levels"], LessonDraft(title="Levels", kind="article", body_markdown="Retracements too.")
    )
    assert [h.lesson_id for h in await kit.edu.search.search("retracement")] == [shown["Levels"]]
    assert hidden["Hidden gem"] not in {h.lesson_id for h in await kit.edu.search.search("gem retracement")}


async def test_the_demo_courses_answer_a_learners_question(seeded: Kit) -> None:
    hits = await seeded.edu.search.search("overbought RSI")
    assert hits[0].lesson_title.startswith("RSI 14")
    sizing = await seeded.edu.search.search("position sizing formula", limit=3)
    assert sizing[0].course_slug == RISK
    assert sizing[0].lesson_title.startswith("The sizing formula")
    assert len(sizing) == 3
