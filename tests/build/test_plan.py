"""The build's plan as data (`handout plan`) and its shards: the build's own planner, every job once, shards that
split it without overlap and keep a handout's language together."""
from __future__ import annotations

import json

from conftest import add_translations, make_project
from handout.app.cli import main
from handout.build.plan import plan_data
from handout.build.run import plan_outputs
from handout.build.shards import parse_shard, shard_of
from handout.config.settings import load_config
from handout.core.errors import InputError

import pytest


def test_the_plan_lists_every_output_and_the_steps_that_serve_them(tmp_path, capsys):
    project = make_project(tmp_path / "project")
    assert main(["--project", str(project), "plan", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    config = load_config(project)
    planned = plan_outputs(config, project / "dist", editions=config.print.editions)
    jobs = {job["id"]: job for job in data["jobs"]}
    assert len(jobs) == len(data["jobs"])  # each job once
    # Every output of the build is a job, with the build's own digest of its inputs.
    assert sorted(job["inputs"] for job in data["jobs"] if job["output"]) == sorted(p.inputs for p in planned)
    for job in data["jobs"]:
        assert set(job["key"]) == {"handout", "clinic", "language", "target", "edition", "step"}
        assert job["key"]["handout"] == config.identifier
        assert all(need in jobs for need in job["needs"])
    booklet = next(job for job in data["jobs"] if job["key"]["edition"] == "booklet")
    assert [jobs[need]["key"]["edition"] for need in booklet["needs"]] == ["letter"]
    epub = next(job for job in data["jobs"] if job["key"]["target"] == "epub")
    assert [jobs[need]["key"]["target"] for need in epub["needs"]] == ["pdf"]  # its page list's pages
    assert not (project / "dist").exists()  # planning writes nothing


def test_a_step_that_serves_an_output_is_planned_when_its_source_is_not_built(tmp_path):
    project = make_project(tmp_path / "project")
    data = plan_data(project, editions=("booklet",), skip={"web", "epub"})
    steps = [job for job in data["jobs"] if job["key"]["step"]]
    assert [job["key"]["edition"] for job in steps] == ["letter"]  # the letter pages the booklet is made from
    booklet = next(job for job in data["jobs"] if job["key"]["edition"] == "booklet")
    assert booklet["needs"] == [steps[0]["id"]]


def test_shards_split_the_plan_keeping_each_language_together(tmp_path):
    project = add_translations(make_project(tmp_path / "project"), ("en-GB", "en-AU", "en-CA"))
    config = load_config(project)
    plan = plan_outputs(config, project / "dist", editions=config.print.editions)
    shards = [shard_of(plan, index, 3) for index in (1, 2, 3)]
    assert sorted(p.inputs for shard in shards for p in shard) == sorted(p.inputs for p in plan)
    assert all(shards)
    languages = [{p.language for p in shard} for shard in shards]
    assert all(not (a & b) for i, a in enumerate(languages) for b in languages[i + 1:])
    assert shard_of(plan, 2, 3) == shards[1]  # stable
    data = plan_data(project, shard=(1, 3))
    assert {job["key"]["language"] for job in data["jobs"]} == languages[0]


@pytest.mark.parametrize("text", ["0/2", "3/2", "1", "a/b", "1/0"])
def test_a_shard_that_is_not_i_of_n_is_refused(text):
    with pytest.raises(InputError, match="I/N"):
        parse_shard(text)
