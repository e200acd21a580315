import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { Link, Route, Routes, useParams } from "react-router";
import { education } from "../api/clients";
import { ErrorBox, Query } from "../components/States";
import { CourseLevel, LessonKind, type Quiz } from "../gen/trading/education/v1/education_messages_pb";
import { enumLabel } from "../lib/format";

function Catalogue() {
  const courses = useQuery({ queryKey: ["courses"], queryFn: () => education.listCourses({}) });
  return (
    <>
      <h1>Learn</h1>
      <Query q={courses} what="courses" empty={(d) => (d.courses.length ? null : "No courses are published yet.")}>
        {(d) => (
          <ul className="cards">
            {d.courses.map((c) => (
              <li key={c.id} className="card">
                <h2>
                  <Link to={`/learn/${c.slug}`}>{c.title}</Link>
                </h2>
                <p>{c.summary}</p>
                <p className="hint">
                  {enumLabel(CourseLevel[c.level], "")} · {c.lessonCount} lessons
                  {c.enrolled ? ` · ${c.progressPercent}% done` : ""}
                </p>
                {c.enrolled && <progress max={100} value={c.progressPercent} aria-label={`${c.title} progress`} />}
              </li>
            ))}
          </ul>
        )}
      </Query>
    </>
  );
}

function CoursePage() {
  const { slug = "" } = useParams();
  const queries = useQueryClient();
  const course = useQuery({ queryKey: ["course", slug], queryFn: () => education.getCourse({ slug }) });
  const enroll = useMutation({
    mutationFn: (id: string) => education.enrollCourse({ id }),
    onSuccess: () => void queries.invalidateQueries({ queryKey: ["course", slug] }),
  });
  return (
    <Query q={course} what="the course">
      {(d) => (
        <>
          <p>
            <Link to="/learn">All courses</Link>
          </p>
          <h1>{d.course?.title}</h1>
          <p>{d.course?.summary}</p>
          {d.enrollment ? (
            <p>
              <progress max={100} value={d.enrollment.progressPercent} aria-label="Course progress" />{" "}
              {d.enrollment.progressPercent}% complete
            </p>
          ) : (
            <button className="primary" type="button" onClick={() => d.course && enroll.mutate(d.course.id)}>
              Enrol
            </button>
          )}
          {enroll.error && <ErrorBox error={enroll.error} />}
          {d.modules.map((m) => (
            <section key={m.id} className="card">
              <h2>{m.title}</h2>
              <ol>
                {m.lessons.map((l) => (
                  <li key={l.id}>
                    <Link to={`/learn/${slug}/lessons/${l.id}`}>{l.title}</Link>{" "}
                    <span className="hint">
                      {enumLabel(LessonKind[l.kind], "")}
                      {l.completed ? " · done" : ""}
                    </span>
                  </li>
                ))}
              </ol>
            </section>
          ))}
        </>
      )}
    </Query>
  );
}

function QuizForm({ quiz }: { quiz: Quiz }) {
  const submit = useMutation({
    mutationFn: (f: FormData) =>
      education.submitQuiz({
        id: quiz.id,
        answers: quiz.questions.map((q) => ({ questionId: q.id, optionIds: f.getAll(q.id).map(String) })),
      }),
  });
  const results = new Map(submit.data?.results.map((r) => [r.questionId, r]));
  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    submit.mutate(new FormData(e.currentTarget));
  };
  return (
    <form className="card" onSubmit={onSubmit}>
      <h2>{quiz.title}</h2>
      {quiz.questions.map((q) => {
        const r = results.get(q.id);
        return (
          <fieldset key={q.id}>
            <legend>{q.text}</legend>
            {q.options.map((o) => (
              <label key={o.id} className="option">
                <input type={q.multipleChoice ? "checkbox" : "radio"} name={q.id} value={o.id} /> {o.text}
              </label>
            ))}
            {r && (
              <p className={r.correct ? "ok" : "bad"} role="status">
                {r.correct ? "Correct." : "Not quite."} {r.explanation}
              </p>
            )}
          </fieldset>
        );
      })}
      {submit.error && <ErrorBox error={submit.error} />}
      {submit.data && (
        <p role="status">
          Score {submit.data.score}% ({submit.data.correctAnswers}/{submit.data.totalQuestions}):{" "}
          {submit.data.passed ? "passed" : `${quiz.passPercent}% passes`}
        </p>
      )}
      <button className="primary" type="submit" disabled={submit.isPending}>
        Submit answers
      </button>
    </form>
  );
}

function LessonPage() {
  const { slug = "", id = "" } = useParams();
  const [started] = useState(Date.now());
  const lesson = useQuery({ queryKey: ["lesson", id], queryFn: () => education.getLesson({ id }) });
  const done = useMutation({
    mutationFn: () =>
      education.updateLessonProgress({
        id,
        completed: true,
        timeSpent: { seconds: BigInt(Math.round((Date.now() - started) / 1000)), nanos: 0 },
      }),
  });
  return (
    <Query q={lesson} what="the lesson">
      {(d) => (
        <article className="lesson">
          <p>
            <Link to={`/learn/${slug}`}>Back to the course</Link>
          </p>
          <h1>{d.lesson?.title}</h1>
          {d.content?.videoUrl && (
            <p>
              <a href={d.content.videoUrl}>Watch the video</a>
            </p>
          )}
          <div className="prose">
            {(d.content?.bodyMarkdown ?? "").split(/\n{2,}/).map((para, i) => (
              <p key={i}>{para}</p>
            ))}
          </div>
          {d.content?.quiz && <QuizForm quiz={d.content.quiz} />}
          {done.error && <ErrorBox error={done.error} />}
          <button type="button" onClick={() => done.mutate()} disabled={done.isPending || d.progress?.completed}>
            {d.progress?.completed || done.data ? "Completed" : "Mark as complete"}
          </button>
          {d.lesson?.nextLessonId && (
            <p>
              <Link to={`/learn/${slug}/lessons/${d.lesson.nextLessonId}`}>Next lesson</Link>
            </p>
          )}
        </article>
      )}
    </Query>
  );
}

export default function Education() {
  return (
    <section>
      <Routes>
        <Route index element={<Catalogue />} />
        <Route path=":slug" element={<CoursePage />} />
        <Route path=":slug/lessons/:id" element={<LessonPage />} />
      </Routes>
    </section>
  );
}
