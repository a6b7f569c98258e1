// Validate SurveyJS survey JSON files with survey-core and report, as JSON on stdout:
// jsonErrors of new Model(json), the linter's findings (survey-core/linter), and a simulated
// respondent per locale: the processed title of every question, the data after answering, and
// whether declining consent completes the survey.
// Usage: node surveyjs_check.mjs survey.json [answers.json]
//        node surveyjs_check.mjs --batch cases.json   (cases: {name: {survey, answers}};
//                                                      prints {name: report}, one Node start)
import { readFileSync } from "node:fs";
import { Model } from "survey-core";
import { lintSurvey } from "survey-core/linter";

function check(json, answers) {
  const model = new Model(json);
  const lint = lintSurvey(json);
  const report = {
    jsonErrors: (model.jsonErrors || []).map((e) => String(e.message || e)),
    lint: lint.findings.map((f) => `${f.ruleId} ${f.severity} ${f.path}: ${f.message}`),
    locales: {},
  };
  const locales = ["", ...model.getUsedLocales().filter((l) => l !== "default")];
  for (const locale of locales) {
    const m = new Model({ ...json, locale: locale || undefined });
    const titles = {};
    m.getAllQuestions().forEach((q) => { titles[q.name] = q.processedTitle; });
    if (m.getQuestionByName("consent")) { m.setValue("consent", true); }
    for (const [k, v] of Object.entries(answers)) { m.setValue(k, v); }
    const errors = [];
    m.visiblePages.forEach((p) => { if (p.hasErrors(false)) { errors.push(p.name); } });
    const randomized = m.visiblePages.filter((p) => p.areQuestionsRandomized).map((p) => p.name);
    const d = new Model({ ...json, locale: locale || undefined });
    let completedOnDecline = null;
    if (d.getQuestionByName("consent")) {
      d.setValue("consent", false);
      d.performNext();
      completedOnDecline = d.state === "completed";
    }
    report.locales[locale || "default"] = {
      locale: m.locale, titles, data: m.data, pagesWithErrors: errors, randomized,
      completedOnDecline,
    };
  }
  return report;
}

const read = (path) => JSON.parse(readFileSync(path, "utf-8"));
if (process.argv[2] === "--batch") {
  const out = {};
  for (const [name, c] of Object.entries(read(process.argv[3]))) {
    out[name] = check(c.survey, c.answers || {});
  }
  console.log(JSON.stringify(out));
} else {
  console.log(JSON.stringify(check(read(process.argv[2]),
                                   process.argv[3] ? read(process.argv[3]) : {})));
}
