"""Map the design card's top-level folders to the project's own import names."""

from setuptools import find_packages, setup

ROOTS = {
    "workbench": "workbench",
    "workbench.layers": "layers",
    "workbench.plugins": "plugins",
    "workbench.resources": "resources",
}

packages: list[str] = []
package_dir: dict[str, str] = {}
for name, folder in ROOTS.items():
    package_dir[name] = folder
    packages.append(name)
    for sub in find_packages(folder):
        if name == "workbench" and sub.split(".")[0] in ("layers", "plugins", "resources"):
            continue
        packages.append(f"{name}.{sub}")
        package_dir[f"{name}.{sub}"] = f"{folder}/{sub.replace('.', '/')}"

setup(packages=packages, package_dir=package_dir)
