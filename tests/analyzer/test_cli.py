"""The huashu CLI on real files: check, score, demo, errors that name file and line."""

from __future__ import annotations

import json
import subprocess
import sys

RUN = [sys.executable, "-m", "huashu"]


def run(*args, stdin=None):
    return subprocess.run([*RUN, *args], input=stdin, capture_output=True, text=True)


def test_check_text_is_readable():
    p = run("check", "快下班了,明天再说。")
    assert p.returncode == 0
    # Chinese by default: the kind, the ref with its short name, the standard's words
    assert "禁语" in p.stdout and "8.7 快下班了,明天再说" in p.stdout
    assert "【快下班了,明天再说】" in p.stdout and "规范原文" in p.stdout
    p = run("check", "--lang", "en", "快下班了,明天再说。")
    assert p.returncode == 0 and "taboo" in p.stdout and "standard:" in p.stdout
    assert "禁语" not in p.stdout


def test_check_jsonl_rows_and_errors(tmp_path):
    f = tmp_path / "in.jsonl"
    f.write_text("\n".join([
        json.dumps({"id": "a", "text": "你有没有搞错?", "speaker": "agent"}, ensure_ascii=False),
        "{not json",
        json.dumps({"id": "c", "text": 5}),
        json.dumps({"id": "d", "text": "你有没有搞错?", "speaker": "customer"}, ensure_ascii=False),
        json.dumps({"id": "e", "text": "好", "speaker": "robot"}),
    ]) + "\n", encoding="utf-8")
    p = run("check", "--jsonl", str(f))
    rows = [json.loads(x) for x in p.stdout.splitlines()]
    assert p.returncode == 1
    assert [r["id"] for r in rows] == ["a", None, "c", "d", "e"]
    [flag] = rows[0]["flags"]
    assert set(flag) >= {"ref", "kind", "score", "span", "matched", "standard"}
    assert flag["ref"] == "8.2" and flag["span"] == [0, 6]
    assert rows[3]["flags"] == []
    assert f"{f}:2: malformed JSON" in p.stderr
    assert f"{f}:3: 'text' must be a string" in p.stderr
    assert f"{f}:5: speaker must be one of" in p.stderr


def test_check_reads_by_meaning_unless_told_not_to(tmp_path):
    """Offline checks read by meaning by default (an insult no word or rule names, a
    script line in other words, a taboo line by its wording); ``--no-semantic`` keeps to
    forms and rules."""
    f = tmp_path / "in.jsonl"
    f.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [
        {"id": "insult", "text": "你这人怎么这么难沟通", "speaker": "agent"},
        # (with 再给您回复 after it, a rule names 6.8 since stop 48)
        {"id": "line", "text": "这个问题我记录下来了,回去以后进一步处理", "speaker": "agent"},
        {"id": "plain", "text": "我先看一下光猫的指示灯", "speaker": "agent"},
        {"id": "worded", "text": "你自己先把光猫重启了再打给我", "speaker": "agent"},
    ]) + "\n", encoding="utf-8")

    def refs(*opts: str) -> dict[str, list[tuple[str, str | None]]]:
        p = run("check", *opts, "--jsonl", str(f))
        assert p.returncode == 0, p.stderr
        return {r["id"]: [(x["ref"], x.get("category")) for x in r["flags"]]
                for r in map(json.loads, p.stdout.splitlines())}

    default, forms_only = refs(), refs("--no-semantic")
    assert default == refs("--semantic")
    assert default["insult"] == [("8.0", "meaning")] and forms_only["insult"] == []
    assert [r for r, _ in default["line"]] == ["6.8"] and forms_only["line"] == []
    assert default["plain"] == [] == forms_only["plain"]
    # a taboo line by its wording (no sentence model needed), and not with forms only
    assert default["worded"] == [("8.5", "wording")] and forms_only["worded"] == []


def test_check_reads_stdin():
    p = run("check", "--jsonl", "-", stdin=json.dumps({"id": 1, "text": "打搅您了,再见!"}) + "\n")
    assert p.returncode == 0
    assert json.loads(p.stdout)["flags"][0]["ref"] == "5.16"


def test_unreadable_file_is_named(tmp_path):
    p = run("check", "--jsonl", str(tmp_path / "missing.jsonl"))
    assert p.returncode == 2 and "missing.jsonl: cannot read" in p.stderr


def test_a_line_that_is_not_utf8_is_a_row_error(tmp_path):
    """A Latin-1 line names its file and line; the rows around it still get results, and a
    byte-order mark at the start of the file is not an error."""
    bad = tmp_path / "latin1.jsonl"
    good = json.dumps({"id": "y", "text": "你有没有搞错"}, ensure_ascii=False).encode("utf-8")
    bad.write_bytes(b"\xef\xbb\xbf" + good + b'\n{"id": "x", "text": "\xe9"}\n\n' + good + b"\n")
    p = run("check", "--jsonl", str(bad))
    assert p.returncode == 1
    assert f"{bad}:2: not UTF-8 text" in p.stderr
    rows = [json.loads(x) for x in p.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["y", None, "y"]
    assert [f["ref"] for f in rows[0]["flags"]] == ["8.2"] == [f["ref"] for f in rows[2]["flags"]]
    assert "not UTF-8" in rows[1]["error"]


def test_score_jsonl(tmp_path):
    f = tmp_path / "d.jsonl"
    f.write_text(json.dumps({"id": "x", "scenario": "appointment_engineer", "turns": [
        {"speaker": "agent", "text": "您好!我是移动工程师小王,请问是刘先生吗?"},
        {"speaker": "agent", "text": "快下班了,明天再说。"}]}, ensure_ascii=False) + "\n"
        + '{"id": "y"}\n', encoding="utf-8")
    p = run("score", "--jsonl", str(f))
    rows = [json.loads(x) for x in p.stdout.splitlines()]
    assert p.returncode == 1 and f"{f}:2: a row must be an object with a 'turns' list" in p.stderr
    r = rows[0]
    assert r["id"] == "x" and r["scenario"] == "appointment_engineer"
    assert [m["refs"] for m in r["missing"]] == [["1.1.6"], ["1.1.7"]]
    assert [v["ref"] for v in r["violations"]] == ["8.7"] and r["violations"][0]["turn"] == 1
    assert r["score"] == 100 - sum(d["points"] for d in r["deductions"])
    assert r["phrasebank_version"].startswith("sha256:")


def test_demo_runs_on_the_embedded_sample():
    p = run("demo")
    assert p.returncode == 0
    assert "得分: 50/100" in p.stdout and "场景: 上门服务(onsite_visit)" in p.stdout
    # every deduction names its reason, ref and utterance in Chinese
    assert "违规 8.6 说明书上有,自己看(第 5 句)" in p.stdout
    assert "缺少步骤 5.12 询问是否满意(无对应语句)" in p.stdout
    p = run("demo", "--lang", "en")
    assert p.returncode == 0 and "score: 50/100" in p.stdout and "missing step" in p.stdout


def test_own_phrasebank_and_a_bad_one(tmp_path):
    import yaml

    import phrasebank

    doc = yaml.safe_load(phrasebank.DEFAULT_PATH.read_text(encoding="utf-8"))
    [e87] = [e for e in doc["entries"] if e["ref"] == "8.7"]
    e87["forms"].append("下班时间到了")  # what an operations editor would add
    own = tmp_path / "bank.yaml"
    own.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    assert "8.7" not in run("check", "下班时间到了").stdout
    p = run("check", "--phrasebank", str(own), "下班时间到了")
    assert p.returncode == 0 and "8.7" in p.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("entries: [{ref: x}]\n", encoding="utf-8")
    p = run("check", "--phrasebank", str(bad), "你好")
    assert p.returncode == 2 and "bad.yaml" in p.stderr and "ref must look like" in p.stderr


def test_check_jsonl_rows_orjson_refuses(tmp_path):
    """Rows that the fast JSON parser refuses or would change (an id beyond 64 bits, a lone
    surrogate escape) are read as JSON says: the id is kept exactly, and text that cannot
    be text gets an error naming it while the other rows still get results."""
    f = tmp_path / "odd.jsonl"
    f.write_text('{"id": 123456789012345678901234567890, "text": "你有没有搞错"}\n'
                 '{"id": "s", "text": "你有没有搞错\\ud800"}\n'
                 '{"id": "t", "text": "你有没有搞错"}\n', encoding="utf-8")
    p = run("check", "--jsonl", str(f))
    assert p.returncode == 1
    rows = [json.loads(x) for x in p.stdout.splitlines()]
    assert rows[0]["id"] == 123456789012345678901234567890
    assert [fl["ref"] for fl in rows[0]["flags"]] == ["8.2"]
    assert rows[1]["id"] == "s" and "surrogate" in rows[1]["error"]
    assert f"{f}:2:" in p.stderr
    assert [fl["ref"] for fl in rows[2]["flags"]] == ["8.2"]


def test_check_jsonl_keeps_row_order_across_batches(tmp_path, analyzer):
    """Rows are checked in batches; outputs stay in input order, with malformed rows in
    their places, across batch boundaries."""
    texts = ["你有没有搞错?", "打搅您了,再见!", "我先看一下线路", "快下班了,\n明天再说。"]
    lines, expected = [], []
    for i in range(700):
        if i % 97 == 5:
            lines.append("{broken")
            expected.append((None, None))
            continue
        t = texts[i % len(texts)]
        lines.append(json.dumps({"id": i, "text": t}, ensure_ascii=False))
        expected.append((i, [f.ref for f in analyzer.check(t)]))
    f = tmp_path / "many.jsonl"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    p = run("check", "--jsonl", str(f))
    assert p.returncode == 1
    got = [json.loads(x) for x in p.stdout.splitlines()]
    assert [(r["id"], [fl["ref"] for fl in r["flags"]] if "error" not in r else None)
            for r in got] == expected
    assert {"8.2", "5.16", "8.7"} <= {ref for _, refs in expected if refs for ref in refs}


def test_text_that_is_not_utf8_is_an_error_not_a_traceback():
    p = subprocess.run([*RUN, "check", b"\xff\xfe\xe4\xbd\xa0"], capture_output=True, text=True)
    assert p.returncode == 2
    assert "not valid UTF-8" in p.stderr and "Traceback" not in p.stderr


def test_bad_settings_stop_the_start_with_the_variable_named(tmp_path):
    import os

    for value, words in (("abc", "valid integer"), ("0", "greater than or equal to 1"),
                         ("-5", "greater than or equal to 1")):
        p = subprocess.run([*RUN, "serve", "--port", "1"], capture_output=True, text=True,
                           timeout=60, cwd=tmp_path,
                           env={**os.environ, "HUASHU_MAX_UPLOAD_MB": value})
        assert p.returncode == 2, p.stderr
        assert "HUASHU_MAX_UPLOAD_MB" in p.stderr and words in p.stderr
        assert "Traceback" not in p.stderr
