"""The analysis package is plain numpy/scipy: importing it never imports Brian2."""

import ast
import subprocess
import sys
from pathlib import Path

import neurotoolkit.analysis as analysis


def test_importing_analysis_does_not_import_brian2():
    code = ("import sys, neurotoolkit.analysis\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('brian2', 'dendrify'))\n"
            "print(','.join(bad))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == ""


def test_no_analysis_module_imports_brian2_anywhere():
    # catches imports hidden inside functions, which the import test cannot see
    offenders = []
    for path in Path(analysis.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names
                          if n.split(".")[0] in ("brian2", "dendrify")]
    assert offenders == []
