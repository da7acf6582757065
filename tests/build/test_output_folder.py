"""The output folder is the build's: a user's files there survive every build, kill and failure; folders
that are the project's own are refused; file-system trouble is the user's to fix (exit 2, one line naming the
path), and the previous outputs stay whole."""
from __future__ import annotations

import builtins
import errno
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO, TEST_EPOCH, make_project, run_publish, snapshot

OUTPUTS = {"ketamine-handout.pdf", "ketamine-handout-a4.pdf", "ketamine-handout-large-print.pdf",
           "ketamine-handout-booklet.pdf", "ketamine-handout.epub"}
# Files a user keeps beside the outputs, named as the build once named its temporary files, and worse.
USER_FILES = {".notes.tmp": b"my notes\n", ".ketamine-handout.pdf.a1b2c3d4.tmp": b"not the build's\n",
              ".scratch-letter.pdf.x.tmp": b"mine\n", "flyer.pdf": b"%PDF-1.4 a user's flyer\n",
              "sub/.draft.tmp": b"nested\n", ".handout-tmp-1-ab.tmp/1.part": b"a user's folder, no marker\n",
              ".handout-staging": b"a user's file named like the marker\n"}


def _one_error(result) -> str:
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def _put_user_files(folder: Path) -> None:
    for name, content in USER_FILES.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)


def _user_files_intact(folder: Path) -> None:
    for name, content in USER_FILES.items():
        assert (folder / name).read_bytes() == content, name


def _no_staging_left(folder: Path) -> None:
    from handout.build.outfolder import STAGING_MARKER

    assert not list(folder.rglob(f".handout-tmp-*/{STAGING_MARKER}")), "a staging folder was left behind"


@pytest.fixture
def project(mini_build, tmp_path):
    copy = tmp_path / "project"
    shutil.copytree(mini_build, copy)
    return copy


def _kill_mid_write(project: Path, *args: str) -> bool:
    """Start builds and SIGKILL them while they write; True when one was killed with temporaries on disk."""
    command = [sys.executable, str(REPO / "publish.py"), "--project", str(project), "--force", *args]
    environment = {**os.environ, "SOURCE_DATE_EPOCH": TEST_EPOCH}
    out = Path(args[args.index("--out") + 1]) if "--out" in args else project / "dist"
    for _ in range(3):
        process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            staged = [p for p in out.glob(".handout-tmp-*/*.part") if p.stat().st_size > 0]
            if staged:
                process.send_signal(signal.SIGKILL)
                process.wait()
                return True
            time.sleep(0.01)
        process.wait()
    return False


@pytest.mark.slow
@pytest.mark.parametrize("where", ["dist", "out"])
def test_a_users_files_beside_the_outputs_survive_builds_kills_and_failures(project, tmp_path, where):
    folder = project / "dist" if where == "dist" else tmp_path / "my folder"
    args = ("--out", str(folder)) if where == "out" else ()
    folder.mkdir(exist_ok=True)
    _put_user_files(folder)
    first = run_publish(project, *args)  # a build
    assert first.returncode == 0, first.stderr
    _user_files_intact(folder)
    assert OUTPUTS <= {p.name for p in folder.iterdir()}
    before = snapshot(folder)
    chapter = project / "chapters" / "02-steps.md"
    text = chapter.read_text()
    chapter.write_text(text + "\nSee [nowhere](09-nowhere.md).\n")  # a failure
    failed = run_publish(project, *args)
    assert failed.returncode == 2, failed.stderr
    assert snapshot(folder) == before
    chapter.write_text(text)
    assert _kill_mid_write(project, *args), "no kill landed while the build was writing"  # a kill
    _user_files_intact(folder)
    again = run_publish(project, *args)  # the build after the kill cleans up only its own files
    assert again.returncode == 0, again.stderr
    _user_files_intact(folder)
    _no_staging_left(folder)
    assert set(snapshot(folder)) == set(before)


@pytest.mark.parametrize("out", [".", "chapters", "chapters/out", "layouts", "assets/css", ".cache", "link-to-chapters",
                                 "dist/../assets"])
@pytest.mark.slow
def test_an_output_folder_of_the_projects_own_is_refused(project, out):
    (project / "link-to-chapters").symlink_to(project / "chapters")
    before = snapshot(project)
    line = _one_error(run_publish(project, "--out", str(project / out), "--force"))
    assert "output folder" in line and "--out" in line
    assert snapshot(project) == before  # nothing written anywhere, not even a lock file
    assert not (project / "chapters" / "out").exists()


@pytest.mark.slow
def test_out_dot_from_the_project_folder_is_refused(project):
    environment = {**os.environ, "SOURCE_DATE_EPOCH": TEST_EPOCH}
    result = subprocess.run([sys.executable, str(REPO / "publish.py"), "--out", "."], cwd=project,
                            capture_output=True, text=True, env=environment, timeout=120)
    assert "the project folder itself" in _one_error(result)
    assert not (project / ".build.lock").exists()


@pytest.mark.slow
def test_a_dist_link_out_of_the_project_is_followed_only_when_asked_with_out(project, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / ".keep.tmp").write_bytes(b"a user's file\n")
    shutil.rmtree(project / "dist")
    (project / "dist").symlink_to(elsewhere)
    line = _one_error(run_publish(project, "--no-epub", "--edition", "letter"))
    assert line.startswith("error: dist: ") and f"--out {elsewhere}" in line
    assert [p.name for p in elsewhere.iterdir()] == [".keep.tmp"]  # not even a lock file
    asked = run_publish(project, "--no-epub", "--edition", "letter", "--out", str(project / "dist"))
    assert asked.returncode == 0, asked.stderr
    assert (elsewhere / "ketamine-handout.pdf").is_file()
    assert (elsewhere / ".keep.tmp").read_bytes() == b"a user's file\n"


@pytest.mark.slow
def test_a_dist_link_inside_the_project_is_used(project):
    shutil.rmtree(project / "dist")
    (project / "build-output").mkdir()
    (project / "dist").symlink_to(project / "build-output")
    result = run_publish(project, "--no-epub", "--edition", "letter")
    assert result.returncode == 0, result.stderr
    assert (project / "build-output" / "ketamine-handout.pdf").is_file()


@pytest.mark.slow
def test_a_users_file_at_an_outputs_name_in_an_out_folder_is_not_replaced(project, tmp_path):
    folder = tmp_path / "downloads"
    folder.mkdir()
    (folder / "ketamine-handout.pdf").write_bytes(b"a copy the user keeps\n")
    line = _one_error(run_publish(project, "--out", str(folder), "--no-epub", "--edition", "letter"))
    assert "ketamine-handout.pdf: a file the build did not make" in line
    assert (folder / "ketamine-handout.pdf").read_bytes() == b"a copy the user keeps\n"
    # What a build wrote there it may replace: the next builds into the folder work.
    (folder / "ketamine-handout.pdf").unlink()
    for _ in range(2):
        result = run_publish(project, "--out", str(folder), "--no-epub", "--edition", "letter", "--force")
        assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_a_clinic_folder_that_is_a_link_out_of_the_output_folder_is_refused(project, tmp_path):
    toml = project / "publish.toml"
    text = toml.read_text()
    start = text.index("[clinic]")
    end = text.index("\n[", start + 1)
    clinic = text[start:end].replace("[clinic]", "[[clinic]]")
    toml.write_text(text[:start] + clinic + '\nid = "north"\n' + clinic.replace('name = "', 'name = "East ')
                    + '\nid = "east"\n' + text[end:])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (project / "dist" / "east").symlink_to(elsewhere)
    line = _one_error(run_publish(project, "--no-epub", "--edition", "letter"))
    assert line.startswith("error: dist/east: ") and "symbolic link" in line
    assert list(elsewhere.iterdir()) == []


def test_stale_staging_clean_up_removes_only_the_builds_own_files(tmp_path):
    from handout.build.outfolder import STAGING_MARKER, StagingFolder, clean_stale_staging

    killed = StagingFolder(tmp_path)
    part = killed.new_file()
    part.write_bytes(b"half a PDF")
    user_in_it = killed.folder / "keep-me.pdf"
    user_in_it.write_bytes(b"a user's file put in the staging folder")
    second = StagingFolder(tmp_path)
    second.new_file().write_bytes(b"half an EPUB")
    unmarked = tmp_path / ".handout-tmp-9-zz.tmp"
    unmarked.mkdir()
    (unmarked / "1.part").write_bytes(b"a user's")
    forged = tmp_path / ".handout-tmp-8-yy.tmp"
    forged.mkdir()
    (forged / STAGING_MARKER).write_text("something else\n")
    (forged / "1.part").write_bytes(b"a user's too")
    clean_stale_staging(tmp_path)
    assert not part.exists() and user_in_it.read_bytes().startswith(b"a user's")
    assert not second.folder.exists()
    assert (unmarked / "1.part").exists() and (forged / "1.part").exists()


# ---- file-system errors -------------------------------------------------------------------------------------

@pytest.mark.slow
def test_dist_that_is_a_file_is_refused(project):
    shutil.rmtree(project / "dist")
    (project / "dist").write_bytes(b"a file named dist\n")
    line = _one_error(run_publish(project))
    assert line.startswith("error: dist: ") and "not a folder" in line
    assert (project / "dist").read_bytes() == b"a file named dist\n"


@pytest.mark.parametrize("out", ["/proc/handout-out", "/sys/handout-out", "/dev/null", "x" * 300,
                                 "deep/" + "y" * 256 + "/z"])
@pytest.mark.slow
def test_an_output_folder_the_system_refuses_is_exit_2(project, tmp_path, out):
    path = out if out.startswith("/") else str(tmp_path / out)
    line = _one_error(run_publish(project, "--out", path))
    assert "--out" in line


@pytest.mark.slow
def test_an_output_where_a_folder_is_is_refused_before_building(project):
    before = snapshot(project / "dist")
    (project / "dist" / "ketamine-handout.epub").unlink()
    (project / "dist" / "ketamine-handout.epub").mkdir()
    line = _one_error(run_publish(project, "--force"))
    assert line.startswith("error: dist/ketamine-handout.epub: a folder is where")
    assert "building" not in line
    assert set(snapshot(project / "dist")) == set(before) - {"ketamine-handout.epub"}


@pytest.mark.slow
def test_a_lock_file_that_is_a_link_is_not_followed(project, tmp_path):
    from handout.build.outfolder import LOCK_NAME

    assert not (project / "dist" / LOCK_NAME).exists()  # a build takes its lock file away with it
    (project / "dist" / LOCK_NAME).symlink_to(tmp_path / "created-elsewhere")
    line = _one_error(run_publish(project, "--force"))
    assert "dist/.build.lock" in line and "link" in line
    assert not (tmp_path / "created-elsewhere").exists()


@pytest.mark.slow
def test_a_lock_file_that_is_a_named_pipe_is_refused_without_waiting(project):
    from handout.build.outfolder import LOCK_NAME

    assert not (project / "dist" / LOCK_NAME).exists()  # a build takes its lock file away with it
    os.mkfifo(project / "dist" / LOCK_NAME)
    environment = {**os.environ, "SOURCE_DATE_EPOCH": TEST_EPOCH}
    result = subprocess.run([sys.executable, str(REPO / "publish.py"), "--project", str(project), "--force"],
                            capture_output=True, text=True, env=environment, timeout=60)
    assert "dist/.build.lock" in _one_error(result)


@pytest.mark.slow
def test_an_output_name_too_long_for_the_file_system_is_exit_2(project):
    toml = project / "publish.toml"
    toml.write_text(toml.read_text().replace('output_name = "ketamine-handout"', f'output_name = "{"k" * 250}"'))
    before = snapshot(project / "dist")
    result = run_publish(project, "--no-epub", "--edition", "a4")
    _one_error(result)
    assert snapshot(project / "dist") == before


@pytest.fixture
def in_process(monkeypatch, capsys):
    """Run the command line in this process (so a mock reaches the writes), returning status and stderr."""
    from handout.app.cli import main

    monkeypatch.setenv("SOURCE_DATE_EPOCH", TEST_EPOCH)

    def run(project: Path, *args: str) -> tuple[int, str]:
        capsys.readouterr()
        status = main(["--project", str(project), *args])
        return status, capsys.readouterr().err

    return run


def _check_one_error(status: int, stderr: str) -> str:
    assert status == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in stderr, stderr
    return lines[0]


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_full_disk_while_writing_a_pdf_is_exit_2_and_keeps_the_outputs(project, in_process, monkeypatch, jobs):
    import handout.targets.pdf.writer

    def full(self, target):
        with open(target, "wb") as out:
            out.write(b"%PDF-1.7 half")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(handout.targets.pdf.writer.RenderedPdf, "write", full)
    before = snapshot(project / "dist")
    line = _check_one_error(*in_process(project, "--force", "--jobs", jobs))
    assert line.startswith("error: dist/ketamine-handout") and ".pdf: could not be written: no space left" in line
    assert snapshot(project / "dist") == before
    _no_staging_left(project / "dist")


@pytest.mark.slow
def test_a_file_size_limit_from_the_system_is_exit_2_and_keeps_the_outputs(project):
    """A real refusal by the kernel: RLIMIT_FSIZE makes writes past 8 KiB fail (EFBIG), as a full disk would."""
    before = snapshot(project / "dist")

    def limit():
        resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))

    environment = {**os.environ, "SOURCE_DATE_EPOCH": TEST_EPOCH}
    result = subprocess.run([sys.executable, str(REPO / "publish.py"), "--project", str(project), "--force"],
                            capture_output=True, text=True, env=environment, timeout=300, preexec_fn=limit)
    line = _one_error(result)
    assert "dist/ketamine-handout" in line and "larger than the file system" in line
    assert snapshot(project / "dist") == before
    _no_staging_left(project / "dist")


def _refuse_writes_under(monkeypatch, folder: Path, code: int) -> None:
    """Simulate a folder the system will not write in (tests run as root, so chmod would not stop them)."""
    folder = folder.resolve()

    def under(path) -> bool:
        try:
            return Path(os.path.abspath(os.fsdecode(path))).is_relative_to(folder)
        except TypeError:
            return False

    def refuse(path):
        raise OSError(code, os.strerror(code), os.fsdecode(path))

    real_open, real_os_open, real_mkdir, real_replace = builtins.open, os.open, os.mkdir, os.replace

    def fake_open(file, mode="r", *args, **kwargs):
        if isinstance(file, (str, bytes, os.PathLike)) and any(c in mode for c in "wxa+") and under(file):
            refuse(file)
        return real_open(file, mode, *args, **kwargs)

    def fake_os_open(path, flags, *args, **kwargs):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT) and under(path):
            refuse(path)
        return real_os_open(path, flags, *args, **kwargs)

    def fake_mkdir(path, *args, **kwargs):
        if under(path):
            refuse(path)
        return real_mkdir(path, *args, **kwargs)

    def fake_replace(source, target, *args, **kwargs):
        if under(target):
            refuse(target)
        return real_replace(source, target, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", fake_open)
    monkeypatch.setattr(os, "open", fake_os_open)
    monkeypatch.setattr(os, "mkdir", fake_mkdir)
    monkeypatch.setattr(os, "replace", fake_replace)


@pytest.mark.slow
@pytest.mark.parametrize("code", [errno.EACCES, errno.EROFS])
def test_a_read_only_dist_is_exit_2_and_keeps_the_outputs(project, in_process, monkeypatch, code):
    before = snapshot(project / "dist")
    _refuse_writes_under(monkeypatch, project / "dist", code)
    line = _check_one_error(*in_process(project, "--force", "--jobs", "1"))
    monkeypatch.undo()
    assert line.startswith("error: dist/")
    assert ("permission denied" if code == errno.EACCES else "read-only") in line
    assert snapshot(project / "dist") == before


@pytest.mark.slow
@pytest.mark.parametrize("where", ["dist", "out"])
def test_a_rename_that_fails_midway_puts_the_previous_outputs_back(project, in_process, monkeypatch, tmp_path,
                                                                    where):
    import handout.build.run

    folder = project / "dist" if where == "dist" else tmp_path / "out"
    args = ("--out", str(folder)) if where == "out" else ()
    if where == "out":
        assert run_publish(project, *args).returncode == 0
        assert (folder / ".handout-outputs.json").is_file()
    before = snapshot(folder)
    real_replace = os.replace
    renamed = []

    def flaky(source, target, *args, **kwargs):
        if Path(target).name in OUTPUTS and Path(source).suffix == ".part":
            renamed.append(Path(target).name)
            if len(renamed) == 3:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(source), None, str(target))
        return real_replace(source, target, *args, **kwargs)

    monkeypatch.setattr(handout.build.run.os, "replace", flaky)
    line = _check_one_error(*in_process(project, "--force", "--jobs", "1", *args))
    monkeypatch.undo()
    assert len(renamed) == 3
    shown = f"dist/{renamed[2]}" if where == "dist" else str(folder / renamed[2])
    assert f"{shown}: could not be put in place: no space left" in line
    assert "the previous outputs are kept" in line
    assert snapshot(folder) == before  # the two already replaced were put back, and the list of outputs
    _no_staging_left(folder)
    result = run_publish(project, *args)  # and the next build makes them
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_recursion_error_while_laying_out_is_exit_2_naming_the_output(project, in_process, monkeypatch, jobs):
    import handout.targets.pdf.job

    def deep(*args, **kwargs):
        return deep(*args, **kwargs)

    monkeypatch.setattr(handout.targets.pdf.job, "render_print", deep)
    before = snapshot(project / "dist")
    line = _check_one_error(*in_process(project, "--force", "--jobs", jobs))
    assert line.startswith("error: dist/ketamine-handout") and "nested too deeply" in line
    assert "reduce the nesting" in line
    assert snapshot(project / "dist") == before


@pytest.mark.slow
@pytest.mark.parametrize("out", ["chapters", "."])
def test_watch_refuses_the_same_output_folders_and_fails_fast(project, out):
    before = snapshot(project)
    environment = {**os.environ, "SOURCE_DATE_EPOCH": TEST_EPOCH}
    try:
        result = subprocess.run([sys.executable, str(REPO / "publish.py"), "--project", str(project), "watch",
                                 "--port", "0", "--out", str(project / out)], capture_output=True, text=True,
                                env=environment, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("watch started instead of refusing the output folder")
    assert "output folder" in _one_error(result)
    assert snapshot(project) == before


def test_watch_still_sees_edits_when_the_output_folder_holds_the_project(tmp_path):
    """`watch --out ..`: the outputs go beside the project, and saves in the project still rebuild."""
    from handout.app.watch import _ignored

    root = tmp_path / "project"
    keep = _ignored(root, tmp_path)
    assert keep(None, str(root / "chapters" / "01-welcome.md"))
    assert not keep(None, str(root / ".cache" / "build.json"))
    assert _ignored(root, root / "dist")(None, str(root / "dist" / "ketamine-handout.pdf")) is False


@pytest.mark.parametrize("name", [".01-welcome.md.swp", ".01-welcome.md.swx", "01-welcome.md~", "4913",
                                  "#01-welcome.md#", ".#01-welcome.md", ".goutputstream-AB12CD",
                                  "01-welcome.md.kate-swp", "01-welcome.md___jb_tmp___", "01-welcome.md___jb_old___",
                                  "~$notes.docx", "01-welcome.md.tmp"])
def test_watch_leaves_out_what_editors_write_beside_a_saved_file(tmp_path, name):
    from handout.app.watch import _ignored

    root = tmp_path / "project"
    keep = _ignored(root, root / "dist")
    assert not keep(None, str(root / "chapters" / name))
    assert keep(None, str(root / "chapters" / "01-welcome.md"))
    assert keep(None, str(root / "chapters" / "14913-steps.md")) and keep(None, str(root / "publish.toml"))


@pytest.fixture
def small_disk(tmp_path):
    """A real file system of 256 KiB (tmpfs), when this machine lets the tests mount one (as root)."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "handout-test", str(mount_point)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True)


@pytest.mark.slow
def test_a_real_full_disk_is_exit_2_and_keeps_the_outputs_and_the_users_files(project, small_disk):
    out = small_disk / "out"
    args = ("--out", str(out), "--edition", "letter", "--no-epub")
    assert run_publish(project, *args).returncode == 0
    (out / "my notes.txt").write_bytes(b"mine\n")
    before = snapshot(out)
    free = os.statvfs(small_disk).f_bavail * os.statvfs(small_disk).f_frsize
    (small_disk / "filler").write_bytes(b"\0" * (free - 8192))  # leave 8 KiB: less than a PDF
    line = _one_error(run_publish(project, *args, "--force"))
    # The outputs are written in parallel: whichever comes first to need the missing space is the one named.
    outputs = [name for name in before if name != "my notes.txt"]
    assert any(line.startswith(f"error: {out / name}: could not be written: no space left on the disk: ")
               for name in outputs), (line, outputs)
    assert "free some space, or choose a folder on another disk with --out" in line
    assert snapshot(out) == before
    _no_staging_left(out)


@pytest.mark.slow
def test_a_real_read_only_file_system_is_exit_2_and_keeps_the_outputs(project, small_disk):
    out = small_disk / "out"
    args = ("--out", str(out), "--edition", "letter", "--no-epub")
    assert run_publish(project, *args).returncode == 0
    before = snapshot(out)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    line = _one_error(run_publish(project, *args, "--force"))
    assert line.startswith(f"error: {out / '.build.lock'}: ") and "read-only: choose a writable folder" in line
    assert snapshot(out) == before


def test_file_system_errors_advise_by_what_the_build_did_with_the_file(tmp_path):
    from handout.build.pool import job_error

    output = tmp_path / "dist" / "ketamine-handout.pdf"
    staged = tmp_path / "dist" / ".handout-tmp-1-ab.tmp" / "1.part"
    written = job_error(OSError(errno.EACCES, "Permission denied", str(staged)), output)
    assert written.format() == (f"{output}: could not be written: permission denied: make it writable for this "
                                "user, or choose another folder with --out")
    image = tmp_path / "assets" / "figures" / "steps.svg"
    read = job_error(OSError(errno.EACCES, "Permission denied", str(image)), output)
    assert read.format() == f"{image}: permission denied: give this user access to it"
    assert job_error(OSError(errno.ECONNRESET, "reset"), output) is None  # not the user's: an internal error
    assert "reduce the nesting" in job_error(RecursionError("maximum recursion depth exceeded"), output).format()
