"""Quiz marking: answers are checked before anything is stored (a bad answer set is refused and
not counted as an attempt), attempts are limited per quiz, the best score is kept, and passing
completes the quiz lesson."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence

from sqlalchemy import func, select

from core.clock import Clock
from core.db import Database
from core.errors import FailedPrecondition, InvalidArgument, NotFound
from svc_education import models as m
from svc_education import records
from svc_education.progress import complete_lesson, start_progress
from svc_education.views import Caller, QuestionMark, QuizResult

Answers = Sequence[tuple[str, Sequence[str]]]  # (question id, chosen option ids)


def check_answers(questions: list[m.Question], answers: Answers) -> dict[str, set[str]]:
    """The answers by question, or InvalidArgument naming every answer that does not fit the quiz."""
    by_id = {q.id: q for q in questions}
    chosen: dict[str, set[str]] = {}
    violations: list[tuple[str, str]] = []
    for i, (question_id, option_ids) in enumerate(answers):
        path = f"answers[{i}]"
        question = by_id.get(question_id)
        if question is None:
            violations.append((f"{path}.question_id", "not a question of this quiz"))
            continue
        if question_id in chosen:
            violations.append((f"{path}.question_id", "answered twice"))
            continue
        options = {o["id"] for o in json.loads(question.options_json)}
        unknown = [o for o in option_ids if o not in options]
        if unknown:
            violations.append((f"{path}.option_ids", f"not options of the question: {', '.join(unknown)}"))
        if len(set(option_ids)) != len(option_ids):
            violations.append((f"{path}.option_ids", "an option chosen twice"))
        if len(json.loads(question.correct_json)) == 1 and len(option_ids) > 1:
            violations.append((f"{path}.option_ids", "a single-choice question takes one option"))
        chosen[question_id] = set(option_ids)
    if violations:
        raise InvalidArgument("the answers do not fit the quiz", violations=violations, reason="BAD_ANSWERS")
    return chosen


def mark(questions: list[m.Question], chosen: dict[str, set[str]]) -> list[QuestionMark]:
    """Each question right when exactly its right options were chosen; unanswered is wrong."""
    marks = []
    for q in questions:
        right = json.loads(q.correct_json)
        marks.append(QuestionMark(q.id, chosen.get(q.id) == set(right), right, q.explanation))
    return marks


class Quizzes:
    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    async def submit(self, caller: Caller, quiz_id: str, answers: Answers) -> QuizResult:
        return await records.retry_on_conflict(lambda: self._submit(caller, quiz_id, answers))

    async def _submit(self, caller: Caller, quiz_id: str, answers: Answers) -> QuizResult:
        async with self._db.transaction() as s:
            quiz = await s.get(m.Quiz, quiz_id)
            if quiz is None:
                raise NotFound(f"no quiz {quiz_id}", reason="QUIZ_NOT_FOUND")
            lesson, course = await records.lesson_by_id(s, quiz.lesson_id, caller)
            enrollment = await records.require_enrollment(s, caller, course)
            await records.lock_enrollment(s, enrollment)  # one attempt at a time: the limit holds
            questions = list(
                (
                    await s.execute(
                        select(m.Question).where(m.Question.quiz_id == quiz.id).order_by(m.Question.position)
                    )
                ).scalars()
            )
            chosen = check_answers(questions, answers)
            used, best = (
                await s.execute(
                    select(func.count(), func.coalesce(func.max(m.QuizAttempt.score), 0)).where(
                        m.QuizAttempt.quiz_id == quiz.id, m.QuizAttempt.user_id == caller.user_id
                    )
                )
            ).one()
            if quiz.max_attempts and used >= quiz.max_attempts:
                raise FailedPrecondition(
                    f"all {quiz.max_attempts} attempts at this quiz are used",
                    reason="QUIZ_ATTEMPTS_EXHAUSTED",
                    metadata={"max_attempts": str(quiz.max_attempts), "best_score": str(best)},
                )
            marks = mark(questions, chosen)
            correct = sum(1 for x in marks if x.correct)
            score = (100 * correct) // len(questions) if questions else 0
            passed = score >= quiz.pass_percent
            now = self._clock.now()
            attempt = m.QuizAttempt(
                id=str(uuid.uuid4()),
                quiz_id=quiz.id,
                user_id=caller.user_id,
                score=score,
                correct=correct,
                total=len(questions),
                passed=passed,
                submitted_at=now,
            )
            s.add(attempt)
            if passed:
                row = await records.locked_progress(s, caller.user_id, lesson.id)
                row = row or await start_progress(s, caller.user_id, lesson, now)
                await complete_lesson(s, row, lesson, now)
        left = -1 if not quiz.max_attempts else quiz.max_attempts - used - 1
        return QuizResult(attempt.id, score, correct, len(questions), passed, marks, max(best, score), left)
