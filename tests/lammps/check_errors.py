#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Error and warning messages of pair_style bpnn.

Each case runs LAMMPS on a small input, the 384-atom ice box with the water
potential unless the case changes it. An error case passes when LAMMPS
stops with exit status 1 and the expected message. A warning case passes
when the run finishes with exit status 0 and prints the warning. A crash
(signal, other exit status) fails either.

Usage: check_errors.py [common options] --case NAME   (--list prints the names)
The case version_mismatch needs --other-lmp, a LAMMPS of another version.
"""

import re
import shutil
import sys

import lammps_testlib as lt

WATER_FACTORS = "cflength 1.8897261328 cfenergy 0.0367493254"


def copy_potential(config, name, edit=None, remove=None):
    """Copies the water potential into the work folder, optionally editing
    one file with edit(lines) -> (lines, line number) or removing one."""
    target = config.workdir / name
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(config.potentials / "H2O_RPBE-D3", target)
    line = 0
    if remove:
        (target / remove).unlink()
    if edit:
        file_name, function = edit
        path = target / file_name
        lines, line = function(path.read_text().splitlines())
        path.write_text("\n".join(lines) + "\n")
    return target, line


def corrupt_first(prefix, replacement):
    """Returns an edit that rewrites the first line starting with prefix."""
    def edit(lines):
        for index, line in enumerate(lines):
            if line.startswith(prefix):
                lines[index] = replacement(line)
                return lines, index + 1
        raise ValueError(f"no line starting with '{prefix}'")
    return edit


def corrupt_first_data_line(replacement):
    """Returns an edit that rewrites the first non-comment line."""
    def edit(lines):
        for index, line in enumerate(lines):
            if line.strip() and not line.lstrip().startswith("#"):
                lines[index] = replacement(line)
                return lines, index + 1
        raise ValueError("no data line")
    return edit


def make_input(config, pair_style=None, pair_coeff="* * H O", units="metal", after="", before_pair=""):
    water = config.potentials / "H2O_RPBE-D3"
    if pair_style is None:
        pair_style = f"bpnn 6.36 dir {water} {WATER_FACTORS}"
    return f"""plugin load {config.plugin}
units {units}
atom_style atomic
read_data {config.data / 'lammps' / 'iceIh_128.data'}
mass 1 1.00794
mass 2 15.9994
{before_pair}
pair_style {pair_style}
pair_coeff {pair_coeff}
{after}
"""


def water(config):
    return config.potentials / "H2O_RPBE-D3"


# Each case returns (input text, regular expressions the output must match,
# whether LAMMPS must stop with an error).
def case_missing_potential_dir(config):
    missing = config.workdir / "does-not-exist"
    return (make_input(config, f"bpnn 6.36 dir {missing} {WATER_FACTORS}"),
            [r"ERROR: pair_style bpnn: cannot read the potential in directory '.*does-not-exist' "
             r"\(pair_style keyword dir\): .*does-not-exist/input\.nn: cannot open"], True)


def case_missing_weights_file(config):
    directory, _ = copy_potential(config, "potential_without_weights", remove="weights.008.data")
    return (make_input(config, f"bpnn 6.36 dir {directory} {WATER_FACTORS}"),
            [r"ERROR: pair_style bpnn: cannot read the potential .*weights\.008\.data: cannot open"], True)


def case_malformed_input_nn(config):
    directory, line = copy_potential(config, "potential_bad_input_nn", edit=(
        "input.nn", corrupt_first("symfunction_short", lambda text: text.replace("12.00", "twelve", 1))))
    return (make_input(config, f"bpnn 6.36 dir {directory} {WATER_FACTORS}"),
            [rf"ERROR: pair_style bpnn: cannot read the potential .*input\.nn:{line}: .*twelve"], True)


def case_malformed_scaling_data(config):
    directory, line = copy_potential(config, "potential_bad_scaling", edit=(
        "scaling.data", corrupt_first_data_line(lambda text: text.split()[0] + " x")))
    return (make_input(config, f"bpnn 6.36 dir {directory} {WATER_FACTORS}"),
            [rf"ERROR: pair_style bpnn: cannot read the potential .*scaling\.data:{line}:"], True)


def case_malformed_weights(config):
    directory, line = copy_potential(config, "potential_bad_weights", edit=(
        "weights.001.data", corrupt_first_data_line(lambda text: "not-a-number")))
    return (make_input(config, f"bpnn 6.36 dir {directory} {WATER_FACTORS}"),
            [rf"ERROR: pair_style bpnn: cannot read the potential .*weights\.001\.data:{line}:"], True)


def case_unknown_element(config):
    return (make_input(config, pair_coeff="* * H Xx"),
            [r"ERROR: pair_coeff: element 'Xx' of atom type 2 is not in the potential in '.*H2O_RPBE-D3', "
             r"whose elements are: H O\. Use one of these or NULL\."], True)


def case_element_missing_from_potential(config):
    return (make_input(config, pair_coeff="* * H Cu"),
            [r"ERROR: pair_coeff: element 'Cu' of atom type 2 is not in the potential"], True)


def case_all_types_null(config):
    return (make_input(config, pair_coeff="* * NULL NULL"),
            [r"ERROR: pair_coeff \* \* maps every atom type to NULL"], True)


def case_pair_coeff_count(config):
    return (make_input(config, pair_coeff="* * H"),
            [r"ERROR: pair_coeff \* \* for pair_style bpnn needs one element symbol \(or NULL\) for each of "
             r"the 2 atom types, but got 1"], True)


def case_pair_coeff_not_wildcard(config):
    return (make_input(config, pair_coeff="1 1 H O"),
            # LAMMPS checks the wildcards itself for styles that take one pair_coeff * * command.
            [r"ERROR: (Incorrect args for pair coefficients|Pair_coeff must start with \* \* for pair style bpnn"
             r"|pair_coeff for pair_style bpnn must start with \* \*)"],
            True)


def case_cutoff_smaller_than_potential(config):
    return (make_input(config, f"bpnn 6.35 dir {water(config)} {WATER_FACTORS}"),
            [r"ERROR: pair_style bpnn: cutoff 6\.35 is smaller than the potential's largest symmetry function "
             r"cutoff 12 \(potential length units\) / cflength 1\.8897261328 = 6\.3501265\d* LAMMPS length "
             r"units\. Use a cutoff of at least 6\.3501265"], True)


def case_cutoff_smaller_after_new_pair_style(config):
    after = f"pair_style bpnn 6.36 dir {water(config)} cflength 1.0 cfenergy 0.0367493254\nrun 0"
    return (make_input(config, after=after),
            [r"ERROR: pair_style bpnn: cutoff 6\.36 is smaller than the potential's largest symmetry function "
             r"cutoff 12 .*/ cflength 1 = 12 LAMMPS length units"], True)


def case_cutoff_missing(config):
    return make_input(config, "bpnn"), [r"ERROR: pair_style bpnn: missing cutoff; usage: pair_style bpnn cutoff"], True


def case_cutoff_invalid(config):
    return (make_input(config, f"bpnn abc dir {water(config)}"),
            [r"ERROR: pair_style bpnn: invalid cutoff 'abc': expected a positive finite number \(the neighbor "
             r"list cutoff in LAMMPS length units\)"], True)


def case_cutoff_negative(config):
    return (make_input(config, f"bpnn -6.36 dir {water(config)}"),
            [r"ERROR: pair_style bpnn: invalid cutoff '-6\.36'"], True)


def case_unknown_keyword(config):
    return (make_input(config, f"bpnn 6.36 dir {water(config)} showewx yes"),
            [r"ERROR: pair_style bpnn: unknown keyword 'showewx'; the keywords are dir, showew, showewsum, "
             r"resetew, maxew, cflength and cfenergy"], True)


def case_keyword_without_value(config):
    return (make_input(config, f"bpnn 6.36 {WATER_FACTORS} dir"),
            [r"ERROR: pair_style bpnn: keyword dir needs a value"], True)


def case_showew_invalid(config):
    return (make_input(config, f"bpnn 6.36 dir {water(config)} showew maybe"),
            [r"ERROR: pair_style bpnn: invalid value 'maybe' for showew: expected yes or no"], True)


def case_resetew_invalid(config):
    return (make_input(config, f"bpnn 6.36 dir {water(config)} resetew 2"),
            [r"ERROR: pair_style bpnn: invalid value '2' for resetew: expected yes or no"], True)


def case_showewsum_negative(config):
    return (make_input(config, f"bpnn 6.36 dir {water(config)} showewsum -5"),
            [r"ERROR: pair_style bpnn: invalid showewsum '-5': expected an interval in time steps >= 0"], True)


def case_maxew_not_integer(config):
    return (make_input(config, f"bpnn 6.36 dir {water(config)} maxew 1.5"),
            [r"ERROR: pair_style bpnn: invalid maxew '1\.5': expected an integer number of warnings"], True)


def case_cflength_zero(config):
    return (make_input(config, f"bpnn 6.36 dir {water(config)} cflength 0 cfenergy 0.0367493254"),
            [r"ERROR: pair_style bpnn: invalid cflength '0': expected a positive finite number \(potential "
             r"length units per LAMMPS length unit\)"], True)


def case_cflength_infinite(config):
    return (make_input(config, f"bpnn 6.36 dir {water(config)} cflength inf"),
            [r"ERROR: pair_style bpnn: invalid cflength 'inf': expected a positive finite number"], True)


def case_cfenergy_nan(config):
    return (make_input(config, f"bpnn 6.36 dir {water(config)} cflength 1.8897261328 cfenergy nan"),
            [r"ERROR: pair_style bpnn: invalid cfenergy 'nan': expected a positive finite number"], True)


def case_cfenergy_negative(config):
    return (make_input(config, f"bpnn 6.36 dir {water(config)} cflength 1.8897261328 cfenergy -0.03"),
            [r"ERROR: pair_style bpnn: invalid cfenergy '-0\.03'"], True)


def compressed_ice_run():
    # Compressing the ice by 20% puts symmetry functions outside the training range.
    return "change_box all x scale 0.8 y scale 0.8 z scale 0.8 remap\nrun 0"


def case_maxew_exceeded(config):
    return (make_input(config, f"bpnn 6.36 dir {water(config)} showew no maxew 0 {WATER_FACTORS}",
                       after=compressed_ice_run()),
            [r"ERROR: pair_style bpnn: \d+ extrapolation warnings since pair_style bpnn was set \(step 0\) "
             r"exceed maxew 0: atoms have symmetry function values outside the range of the training data"], True)


def case_maxew_exceeded_per_step(config):
    return (make_input(config, f"bpnn 6.36 dir {water(config)} showew no resetew yes maxew 10 {WATER_FACTORS}",
                       after=compressed_ice_run()),
            [r"ERROR: pair_style bpnn: \d+ extrapolation warnings in this step \(step 0\) exceed maxew 10"], True)


def case_implementation_missing(config):
    # The loader alone, without the implementation library next to it.
    folder = config.workdir / "loader_only"
    folder.mkdir(exist_ok=True)
    loader = folder / "bpnnplugin.so"
    shutil.copy(config.plugin, loader)
    text = make_input(config).replace(f"plugin load {config.plugin}", f"plugin load {loader}")
    return (text, [r"Loading plugin: bpnn pair style NOT LOADED: cannot open .*loader_only/bpnnplugin-lammps-\d{8}\.so",
                   r"ERROR: Unrecognized pair style 'bpnn'"], True)


def case_neighbor_exclusion_of_mapped_types(config):
    return (make_input(config, after="neigh_modify exclude type 1 2\nrun 0"),
            [r"ERROR: pair_style bpnn: neigh_modify exclude type 1 2 removes neighbors that the potential needs "
             r"\(elements H and O\)"], True)


def case_neighbor_exclusion_of_groups(config):
    return (make_input(config, f"bpnn 6.36 dir {water(config)} showew no maxew -1 {WATER_FACTORS}",
                       after="group hydrogen type 1\nneigh_modify exclude group hydrogen hydrogen\nrun 0"),
            [r"WARNING: pair_style bpnn: neigh_modify exclude group or molecule removes pairs from the neighbor "
             r"list"], False)


def case_units_length_mismatch(config):
    # The potential declares Bohr; metal units need cflength 1.8897..., not 1.
    return (make_input(config, f"bpnn 12.0 dir {water(config)} showew no maxew -1 cfenergy 0.0367493254",
                       after="run 0"),
            [r"WARNING: pair_style bpnn: .*input\.nn:4 declares the length unit Bohr and units metal uses "
             r"Angstrom, so cflength should be 1\.889726\d* \(1 Angstrom in Bohr\), but it is 1\."], False)


def case_units_energy_mismatch(config):
    return (make_input(config, f"bpnn 6.36 dir {water(config)} showew no maxew -1 {WATER_FACTORS}",
                       units="real", after="run 0"),
            [r"WARNING: pair_style bpnn: .*input\.nn:5 declares the energy unit Ha and units real uses "
             r"kcal/mol, so cfenergy should be 0\.00159360\d* \(1 kcal/mol in Ha\), but it is 0\.0367493254\."],
            False)


def case_units_consistent(config):
    return (make_input(config, f"bpnn 6.36 dir {water(config)} showew no maxew -1 {WATER_FACTORS}",
                       after="run 0"),
            [r"cflength 1\.8897261328 matches 1 Angstrom in Bohr", r"cfenergy 0\.0367493254 matches 1 eV in Ha",
             r"^(?!.*WARNING: pair_style bpnn)"], False)


def case_cutoff_much_larger(config):
    return (make_input(config, f"bpnn 8.0 dir {water(config)} showew no maxew -1 {WATER_FACTORS}",
                       after="run 0"),
            [r"WARNING: pair_style bpnn: cutoff 8 is more than 1% larger than the potential's largest cutoff "
             r"6\.3501265"], False)


def case_version_mismatch(config):
    # Run with --other-lmp: a LAMMPS of another version than the plugin's.
    return (make_input(config),
            [r"Loading plugin: bpnn pair style NOT LOADED: this bpnnplugin\.so was built for LAMMPS \d+ \w+ \d+",
             r"  compiled for LAMMPS version \d+ \w+ \d+, loaded into LAMMPS version \d+ \w+ \d+",
             r"ERROR: Unrecognized pair style 'bpnn'"], True)


CASES = {name[len("case_"):]: function for name, function in globals().items() if name.startswith("case_")}


def main():
    if "--list" in sys.argv[1:]:
        print("\n".join(name for name in CASES if name != "version_mismatch"))
        return 0
    parser = lt.argument_parser(__doc__.splitlines()[0])
    parser.add_argument("--case", required=True, help="case to run (see --list)")
    parser.add_argument("--list", action="store_true", help="print the case names (except version_mismatch)")
    parser.add_argument("--other-lmp", help="LAMMPS of another version, for the case version_mismatch")
    args = parser.parse_args()
    if args.case not in CASES:
        raise ValueError(f"unknown case '{args.case}'; run with --list for the names")
    config = lt.config_from_arguments(args)
    if args.case == "version_mismatch":
        if not args.other_lmp:
            raise ValueError("the case version_mismatch needs --other-lmp")
        config.lmp = args.other_lmp
    report = lt.Report(f"error case {args.case}")

    text, patterns, must_fail = CASES[args.case](config)
    output, exit_status = lt.run_lammps_with_status(config, args.case, text)
    expected_status = 1 if must_fail else 0
    report.check(f"LAMMPS exit status is {expected_status}", 0.0 if exit_status == expected_status else 1.0, 0.0,
                 f"(exit status {exit_status})")
    for pattern in patterns:
        if pattern.startswith("^(?!"):
            found = "WARNING: pair_style bpnn" not in output
            description = "no pair_style bpnn warning in the output"
        else:
            found = re.search(pattern, output, re.MULTILINE) is not None
            description = f"output matches /{pattern}/"
        report.check(description, 0.0 if found else 1.0, 0.0)
    if not report.passed():
        print("--- end of the LAMMPS output ---")
        print("\n".join(output.splitlines()[-15:]))
    return report.finish()


if __name__ == "__main__":
    lt.main_guard(main)
