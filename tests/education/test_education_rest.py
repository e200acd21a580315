"""Every row of seed 4.1 Educacion, and search and authoring, over REST through the real Envoy in
front of svc_education as `trading up` runs it (migrated, demo courses seeded), with the bad
inputs answered by the right HTTP status and google.rpc details."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
import pytest_asyncio

from app import envoy
from app.assembly import settings_descriptor, start_edge
from app.migrate import migrate
from app.registry import load_spec
from app.runtime import Runtime, make_context
from core.keys import KeyStore
from core.settings import Settings
from tests.envoy.gateway_harness import free_port

pytestmark = [pytest.mark.envoy, pytest.mark.asyncio(loop_scope="module")]
CANDLES = "reading-candles-and-indicators"
ML = "how-ml-signals-are-made"


@dataclass
class Rest:
    url: str
    session: aiohttp.ClientSession
    keys: KeyStore

    def token(self, user: str, plan: str = "free", roles: tuple[str, ...] = ("user",)) -> str:
        claims = {"sub": user, "email": f"{user}@example.com", "email_verified": True, "roles": list(roles)}
        return self.keys.sign_access_token({**claims, "plan": plan})

    async def send(self, method: str, path: str, token: str, body: Any = None) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"}
        async with self.session.request(method, self.url + path, json=body, headers=headers) as reply:
            return reply.status, await reply.json(content_type=None)


def reason(error: dict[str, Any]) -> str:
    info = next(d for d in error["details"] if d["@type"].endswith("google.rpc.ErrorInfo"))
    assert info["domain"] == "trading.education"
    return str(info["reason"])


def violations(error: dict[str, Any]) -> list[str]:
    bad = next(d for d in error["details"] if d["@type"].endswith("google.rpc.BadRequest"))
    return [v["field"] for v in bad.get("field_violations", bad.get("fieldViolations", []))]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def rest(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Rest]:
    data_dir = tmp_path_factory.mktemp("education-rest")
    settings = Settings(
        data_dir=data_dir,
        grpc_host="127.0.0.1",
        grpc_port=0,
        edge_port=free_port(),
        envoy_port=free_port(),
        envoy_admin_port=free_port(),
    )
    spec = load_spec("education")
    migrate(settings, [spec])
    runtime = Runtime(make_context(settings), [spec], "test")
    assert spec.bootstrap is not None
    await spec.bootstrap(runtime.ctx, runtime.settings["education"])
    await runtime.start("127.0.0.1:0")
    edge = await start_edge(settings, runtime.ctx, runtime.grpc_services)
    config = envoy.render_envoy_config(settings, settings_descriptor(), runtime.grpc_services)
    path = envoy.write_envoy_config(config, data_dir / "envoy.yaml")
    proxy = None
    try:
        proxy = await envoy.launch_envoy(
            path,
            random.randrange(10_000, 2_000_000),
            settings.envoy_admin_port,
            concurrency=1,
            log_path=data_dir / "envoy.log",
        )
        async with aiohttp.ClientSession() as session:
            yield Rest(f"http://127.0.0.1:{settings.envoy_port}", session, runtime.ctx.keys)
    finally:
        await envoy.stop_envoy(proxy)
        await edge.cleanup()
        await runtime.stop(0)


async def test_the_seed_rows_in_a_learners_order(rest: Rest) -> None:
    ana = rest.token("ana")
    # GET /education/courses?level=&category=
    status, listed = await rest.send("GET", "/education/courses", ana)
    assert status == 200, listed
    assert {c["slug"] for c in listed["courses"]} >= {CANDLES, ML}
    status, beginners = await rest.send(
        "GET", "/education/courses?level=COURSE_LEVEL_BEGINNER&category=technical-analysis", ana
    )
    assert status == 200, beginners
    assert [c["slug"] for c in beginners["courses"]] == [CANDLES]
    status, paged = await rest.send("GET", "/education/courses?page.page_size=1", ana)
    assert len(paged["courses"]) == 1
    assert paged["page"]["next_page_token"]

    # GET /education/courses/:slug
    status, course = await rest.send("GET", f"/education/courses/{CANDLES}", ana)
    assert status == 200, course
    assert course["course"]["level"] == "COURSE_LEVEL_BEGINNER"
    lessons = [lesson for module in course["modules"] for lesson in module["lessons"]]
    assert len(lessons) == course["course"]["lesson_count"]
    course_id = course["course"]["id"]

    # GET /education/lessons/:id before enrolling: a preview
    first = lessons[0]["id"]
    status, preview = await rest.send("GET", f"/education/lessons/{first}", ana)
    assert status == 200, preview
    assert preview["content"]["preview"] is True

    # POST /education/courses/:id/enroll, twice: one enrolment
    status, enrolled = await rest.send("POST", f"/education/courses/{course_id}/enroll", ana)
    assert status == 200, enrolled
    assert enrolled["enrollment"]["status"] == "ENROLLMENT_STATUS_ACTIVE"
    status, again = await rest.send("POST", f"/education/courses/{course_id}/enroll", ana)
    assert again["enrollment"]["id"] == enrolled["enrollment"]["id"]

    status, lesson = await rest.send("GET", f"/education/lessons/{first}", ana)
    assert lesson["content"]["preview"] is False
    assert lesson["lesson"]["next_lesson_id"] == lessons[1]["id"]

    # POST /education/lessons/:id/progress {completed, time_spent}
    status, progress = await rest.send(
        "POST", f"/education/lessons/{first}/progress", ana, {"completed": True, "time_spent": "90s"}
    )
    assert status == 200, progress
    assert progress["updated"] is True
    assert progress["progress"]["completed"] is True
    assert progress["progress"]["time_spent"] == "90s"
    assert progress["enrollment"]["progress_percent"] == 100 // len(lessons)
    status, course = await rest.send("GET", f"/education/courses/{CANDLES}", ana)
    first_module = course["modules"][0]
    assert first_module["progress_percent"] == 100 // len(first_module["lessons"])
    assert course["modules"][1]["progress_percent"] == 0
    assert (
        course["enrollment"]["progress_percent"]
        == course["course"]["progress_percent"]
        == 100 // len(lessons)
    )

    # POST /education/quizzes/:id/submit {answers[]}
    quiz_lesson = next(x for x in lessons if x["kind"] == "LESSON_KIND_QUIZ")
    status, with_quiz = await rest.send("GET", f"/education/lessons/{quiz_lesson['id']}", ana)
    quiz = with_quiz["content"]["quiz"]
    answers = [{"question_id": q["id"], "option_ids": [q["options"][0]["id"]]} for q in quiz["questions"]]
    status, marked = await rest.send(
        "POST", f"/education/quizzes/{quiz['id']}/submit", ana, {"answers": answers}
    )
    assert status == 200, marked
    assert marked["total_questions"] == len(quiz["questions"])
    assert 0 <= marked["score"] <= 100
    assert all(r["correct_option_ids"] and r["explanation"] for r in marked["results"])
    assert marked["attempts_left"] == quiz["max_attempts"] - 1


async def test_search_answers_the_assistants_question(rest: Rest) -> None:
    status, found = await rest.send(
        "GET", "/education/search?query=RSI%20overbought&limit=3", rest.token("ana")
    )
    assert status == 200, found
    assert found["hits"][0]["lesson_title"].startswith("RSI 14")
    assert len(found["hits"]) <= 3


async def test_bad_inputs_get_the_right_status_and_reason(rest: Rest) -> None:
    ben = rest.token("ben")
    status, error = await rest.send("GET", "/education/courses/no-such-course", ben)
    assert (status, reason(error)) == (404, "COURSE_NOT_FOUND")
    status, error = await rest.send("GET", "/education/courses/Not_A_Slug", ben)
    assert status == 400
    assert violations(error) == ["slug"]

    status, course = await rest.send("GET", f"/education/courses/{CANDLES}", ben)
    lessons = [lesson for module in course["modules"] for lesson in module["lessons"]]
    status, error = await rest.send(
        "POST",
        f"/education/lessons/{lessons[0]['id']}/progress",
        ben,
        {"completed": True, "time_spent": "5s"},
    )
    assert (status, reason(error)) == (403, "NOT_ENROLLED")

    await rest.send("POST", f"/education/courses/{course['course']['id']}/enroll", ben)
    status, error = await rest.send(
        "POST", f"/education/lessons/{lessons[0]['id']}/progress", ben, {"time_spent": "-5s"}
    )
    assert status == 400
    assert violations(error) == ["time_spent"]

    status, ml = await rest.send("GET", f"/education/courses/{ML}", ben)
    status, error = await rest.send(
        "POST",
        f"/education/lessons/{lessons[0]['id']}/progress",
        ben,
        {"time_spent": "5s", "course_id": ml["course"]["id"]},
    )
    assert (status, reason(error)) == (400, "LESSON_NOT_IN_COURSE")

    status, error = await rest.send("POST", f"/education/courses/{ml['course']['id']}/enroll", ben)
    assert (status, reason(error)) == (403, "PLAN_REQUIRED")
    info = next(d for d in error["details"] if d["@type"].endswith("google.rpc.ErrorInfo"))
    assert info["metadata"]["required_plan"] == "pro"
    status, _ = await rest.send(
        "POST", f"/education/courses/{ml['course']['id']}/enroll", rest.token("ben", "pro")
    )
    assert status == 200

    quiz_lesson = next(x for x in lessons if x["kind"] == "LESSON_KIND_QUIZ")
    status, with_quiz = await rest.send("GET", f"/education/lessons/{quiz_lesson['id']}", ben)
    quiz = with_quiz["content"]["quiz"]
    q = quiz["questions"][0]
    twice = {
        "answers": [
            {"question_id": q["id"], "option_ids": ["a"]},
            {"question_id": q["id"], "option_ids": ["b"]},
        ]
    }
    out_of_range = {"answers": [{"question_id": q["id"], "option_ids": ["z"]}]}
    for bad in (twice, out_of_range):
        status, error = await rest.send("POST", f"/education/quizzes/{quiz['id']}/submit", ben, bad)
        assert (status, reason(error)) == (400, "BAD_ANSWERS")
    status, unchanged = await rest.send("GET", f"/education/lessons/{quiz_lesson['id']}", ben)
    assert unchanged["content"]["quiz"]["attempts_used"] == 0

    status, error = await rest.send(
        "POST", "/education/quizzes/7c9e6679-7425-40de-944b-e07fc1f90ae7/submit", ben, out_of_range
    )
    assert (status, reason(error)) == (404, "QUIZ_NOT_FOUND")


async def test_only_admins_and_instructors_author(rest: Rest) -> None:
    draft = {
        "course": {
            "slug": "volume-profile",
            "title": "Volume profile",
            "level": "COURSE_LEVEL_ADVANCED",
            "category": "technical-analysis",
        }
    }
    status, error = await rest.send("POST", "/education/admin/courses", rest.token("cat"), draft)
    assert (status, reason(error)) == (403, "AUTHOR_ROLE_REQUIRED")
    instructor = rest.token("ivy", roles=("user", "instructor"))
    status, created = await rest.send("POST", "/education/admin/courses", instructor, draft)
    assert status == 200, created
    assert created["course"]["published"] is False
    course_id = created["course"]["id"]
    status, module = await rest.send(
        "POST", f"/education/admin/courses/{course_id}/modules", instructor, {"title": "Reading the profile"}
    )
    assert status == 200, module
    lesson = {
        "lesson": {"title": "Point of control", "kind": "LESSON_KIND_ARTICLE", "body_markdown": "The POC..."}
    }
    status, created_lesson = await rest.send(
        "POST", f"/education/admin/modules/{module['module']['id']}/lessons", instructor, lesson
    )
    assert status == 200, created_lesson
    admin = rest.token("root", roles=("user", "admin"))
    status, published = await rest.send(
        "POST", f"/education/admin/courses/{course_id}/publish", admin, {"published": True}
    )
    assert status == 200, published
    assert published["course"]["published"] is True
    status, seen = await rest.send("GET", "/education/courses/volume-profile", rest.token("cat"))
    assert status == 200, seen
    assert seen["course"]["lesson_count"] == 1
    status, error = await rest.send("POST", "/education/admin/courses", instructor, draft)
    assert status == 409
