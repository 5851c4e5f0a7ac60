"""The build's one step beyond ``setup.cfg``: the gettext catalogs (``app/translations``, each
``messages.po`` in git) are compiled to ``messages.mo`` in the build, so the wheel carries them;
the ``.mo`` are build output, never in git (``make`` compiles them for a checkout)."""

from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithCatalogs(build_py):
    def run(self) -> None:
        super().run()
        catalogs = Path(self.build_lib, "app", "translations")
        if any(catalogs.glob("*/LC_MESSAGES/messages.po")):  # an editable install copies none: the app compiles them
            CommandLineInterface().run(["pybabel", "--quiet", "compile", "--directory", str(catalogs)])


setup(cmdclass={"build_py": BuildPyWithCatalogs})
