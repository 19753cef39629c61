"""Bad journey files: each is refused with the exact line, column and message a user acts on."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.journeys.conftest import problems_of

H = "appId: com.x\n---\n"

# (name, file text, the one `line:column: message` it must produce; {dir} is the file's folder)
CASES: list[tuple[str, str, str]] = [
    (
        'unknown_command',
        H + '- tapOm: x\n',
        "3:3: unknown command 'tapOm' (did you mean 'tapOn'?)",
    ),
    (
        'unknown_key',
        H + '- tapOn: {txt: x}\n',
        "3:11: tapOn: unknown key 'txt' (did you mean 'text'?)",
    ),
    (
        'needs_value',
        H + '- launchApp\n- tapOn\n',
        (
            '4:3: tapOn: needs a value (a selector text (regex) or a mapping of '
            'selector keys)'
        ),
    ),
    (
        'two_commands',
        H + '- tapOn: x\n  assertVisible: y\n',
        (
            "4:3: tapOn: a second command 'assertVisible' in the same list item "
            "(start each command with '- ')"
        ),
    ),
    (
        'misindented_key',
        H + '- tapOn: x\n  label: y\n',
        (
            "4:3: tapOn: 'label' is not a command; indent it under tapOn if it is one "
            'of its keys'
        ),
    ),
    (
        'bad_direction',
        H + '- swipe: {direction: SIDE}\n',
        (
            "3:22: swipe.direction: unknown direction 'SIDE' (expected UP, DOWN, LEFT "
            'or RIGHT)'
        ),
    ),
    (
        'wait_both',
        H + '- extendedWaitUntil: {visible: a, notVisible: b}\n',
        '3:35: extendedWaitUntil: give only one of visible or notVisible',
    ),
    (
        'wait_none',
        H + '- extendedWaitUntil: {timeout: 5s}\n',
        '3:22: extendedWaitUntil: missing key: give one of visible or notVisible',
    ),
    (
        'runflow_missing',
        H + '- runFlow: flows/nope.yaml\n',
        (
            "3:12: runFlow: file 'flows/nope.yaml' not found (looked for "
            '{dir}/flows/nope.yaml; expected a path relative to this file)'
        ),
    ),
    (
        'runflow_both',
        H + '- runFlow:\n    file: x.yaml\n    commands: [back]\n',
        '5:5: runFlow: give only one of file or commands',
    ),
    (
        'bad_var',
        H + '- inputText: ${user name}\n',
        "3:21: inputText: JavaScript syntax error in ${user name}: expecting ';'",
    ),
    (
        'unclosed_var',
        H + '- inputText: "${USER"\n',
        "3:15: inputText: unclosed '${' (expected ${NAME} or ${expression}, closed by '}')",
    ),
    (
        'repeat_no_times',
        H + '- repeat:\n    commands: [back]\n',
        '4:5: repeat: missing key: give any of times or while',
    ),
    (
        'press_key',
        H + '- pressKey: entr\n',
        "3:13: pressKey: unknown key name 'entr' (did you mean 'Enter'?)",
    ),
    (
        'bad_duration',
        'appId: com.x\nmonitor:\n  every: 5 minutes\n---\n- back\n',
        (
            "3:10: monitor.every: '5 minutes' is not a duration (expected a duration "
            'like 250ms, 15s, 5m, 1h, 7d or an integer of milliseconds)'
        ),
    ),
    (
        'every_too_small',
        'appId: com.x\nmonitor:\n  every: 10ms\n---\n- back\n',
        '3:10: monitor.every: 10ms is too small (expected at least 1s)',
    ),
    (
        'percent_range',
        'appId: com.x\nmonitor:\n  alert:\n    availability_below: 120%\n---\n- back\n',
        (
            "4:25: monitor.alert.availability_below: '120%' is out of range (expected "
            'a percentage like 95% or 99.5, between 0 and 100)'
        ),
    ),
    (
        'retries_negative',
        'appId: com.x\nmonitor:\n  retries: -1\n---\n- back\n',
        '3:12: monitor.retries: -1 is too small (expected at least 0)',
    ),
    (
        'monitor_key',
        'appId: com.x\nmonitor:\n  evry: 5m\n---\n- back\n',
        "3:3: monitor: unknown key 'evry' (did you mean 'every'?)",
    ),
    (
        'header_key',
        'appId: com.x\nmonitr:\n  every: 5m\n---\n- back\n',
        "2:1: header: unknown key 'monitr' (did you mean 'monitor'?)",
    ),
    (
        'no_app',
        'name: x\n---\n- back\n',
        (
            '1:1: header: no appId or url (expected appId: <package or bundle id> for '
            'an app, or url: <https://...> for the web)'
        ),
    ),
    (
        'app_and_url',
        'appId: com.x\nurl: https://x.example\n---\n- back\n',
        (
            '2:1: url: give either appId (a native app) or url (a web journey), not '
            'both'
        ),
    ),
    (
        'platform_vs_url',
        'url: https://x.example\nmonitor:\n  platform: ios\n---\n- back\n',
        (
            '3:3: monitor.platform: ios contradicts url: (expected web, or appId: '
            'instead of url:)'
        ),
    ),
    (
        'every_and_cron',
        "appId: com.x\nmonitor:\n  every: 5m\n  cron: '*/5 * * * *'\n---\n- back\n",
        '4:3: monitor.cron: give either every or cron, not both',
    ),
    (
        'bad_cron',
        "appId: com.x\nmonitor:\n  cron: '61 * * * *'\n---\n- back\n",
        (
            "3:9: monitor.cron: '61 * * * *' is not a valid cron expression (minute: 61 "
            'is out of range (0-59); expected a 5-field cron expression like "*/5 * * * *")'
        ),
    ),
    (
        'duplicate_key',
        H + '- tapOn:\n    text: a\n    text: b\n',
        "5:5: tapOn: duplicate key 'text' (first given at line 4, column 5)",
    ),
    (
        'yaml_syntax',
        H + '- tapOn: "unclosed\n- back\n',
        (
            '5:1: YAML syntax error: found unexpected end of stream (while scanning a '
            'quoted scalar that starts at line 3, column 10)'
        ),
    ),
    (
        'empty_file',
        '# nothing\n',
        (
            '1:1: the file is empty (expected a header mapping, `---`, then a list of '
            'commands)'
        ),
    ),
    (
        'header_only',
        'appId: com.x\nname: y\n',
        (
            '3:1: no commands after the header (expected a header mapping, `---`, '
            'then a list of commands)'
        ),
    ),
    (
        'three_docs',
        H + '- back\n---\n- back\n',
        (
            '5:1: a third YAML document (expected a header mapping, `---`, then a '
            'list of commands, nothing more)'
        ),
    ),
    (
        'commands_not_list',
        H + 'tapOn: x\n',
        '3:1: flow: expected a list of commands (found a mapping)',
    ),
    (
        'empty_commands',
        H + '[]\n',
        '3:1: flow: the list of commands is empty (expected at least one command)',
    ),
    (
        'swipe_start_only',
        H + '- swipe:\n    start: 10%, 50%\n',
        "4:5: swipe: 'start' needs 'end' too",
    ),
    (
        'point_off_screen',
        H + '- swipe:\n    start: 150%, 50%\n    end: 10%, 50%\n',
        (
            "4:12: swipe.start: '150%, 50%' is off the screen (expected a point as "
            '"x%, y%" (0-100))'
        ),
    ),
    (
        'index_negative',
        H + '- tapOn:\n    text: a\n    index: -1\n',
        '5:12: tapOn.index: -1 is too small (expected at least 0)',
    ),
    (
        'bool_expected',
        H + '- tapOn:\n    text: a\n    enabled: yes please\n',
        (
            "5:14: tapOn.enabled: expected true or false (found the text 'yes "
            "please')"
        ),
    ),
    (
        'no_selector_key',
        H + '- tapOn:\n    label: Login\n',
        (
            '4:5: tapOn: no selector key (expected at least one of text, id, css, '
            'index, ...)'
        ),
    ),
    (
        'relative_unknown',
        H + '- tapOn:\n    text: a\n    below:\n      txet: b\n',
        "6:7: tapOn.below: unknown key 'txet' (did you mean 'text'?)",
    ),
    (
        'secret_in_env',
        'appId: com.x\nenv:\n  PASS: x\nmonitor:\n  secrets: [PASS]\n---\n- back\n',
        (
            '2:1: env: secret PASS must not have a value in the file (expected it in '
            "the robot's environment only)"
        ),
    ),
    (
        'step_over_timeout',
        'appId: com.x\nmonitor:\n  timeout: 10s\n  step_timeout: 30s\n---\n- back\n',
        (
            "4:3: monitor.step_timeout: 30s is longer than the journey's timeout 10s "
            '(expected at most the timeout)'
        ),
    ),
    (
        'repeat_zero',
        H + '- tapOn:\n    text: a\n    repeat: 0\n',
        '5:13: tapOn.repeat: 0 is too small (expected at least 1)',
    ),
    (
        'when_unknown',
        H + '- runFlow:\n    when:\n      visble: a\n    commands: [back]\n',
        "5:7: runFlow.when: unknown key 'visble' (did you mean 'visible'?)",
    ),
    (
        'input_list',
        H + '- inputText: [a, b]\n',
        '3:14: inputText: expected a text or a mapping with text (found a list)',
    ),
    (
        'secret_name',
        'appId: com.x\nmonitor:\n  secrets: [shop-password]\n---\n- back\n',
        (
            "3:13: monitor.secrets: 'shop-password' is not a variable name (expected "
            'letters, digits and _)'
        ),
    ),
    (
        'active_hours',
        'appId: com.x\nmonitor:\n  active_hours: 7h-23h\n---\n- back\n',
        (
            "3:17: monitor.active_hours: '7h-23h' is not a daily window (expected a "
            'daily window like "07:00-23:00")'
        ),
    ),
    (
        'bad_id',
        'appId: com.x\nmonitor:\n  id: my journey\n---\n- back\n',
        (
            "3:7: monitor.id: 'my journey' is not a valid id (expected an id of "
            "letters, digits, '.', '_' or '-')"
        ),
    ),
    (
        'scroll_no_element',
        H + '- scrollUntilVisible:\n    direction: DOWN\n',
        (
            "4:5: scrollUntilVisible: missing key 'element' (a selector: a text "
            '(regex) or a mapping of selector keys)'
        ),
    ),
    (
        'number_item',
        H + '- 42\n',
        '3:3: expected a command such as `- tapOn: "OK"` (found the number 42)',
    ),
    (
        'launch_key_case',
        H + '- launchApp:\n    clearstate: true\n',
        "4:5: launchApp: unknown key 'clearstate' (did you mean 'clearState'?)",
    ),
    (
        'tags_mapping',
        'appId: com.x\ntags: {a: b}\n---\n- back\n',
        '2:7: tags: expected a list of texts (found a mapping)',
    ),
    (
        'on_flow_start',
        'appId: com.x\nonFlowStart: back\n---\n- back\n',
        "2:14: onFlowStart: expected a list of commands (found the text 'back')",
    ),
    (
        'platform_unknown',
        'appId: com.x\nmonitor:\n  platform: windows\n---\n- back\n',
        (
            "3:13: monitor.platform: unknown platform 'windows' (expected android, "
            'ios or web)'
        ),
    ),
    (
        'timeout_text',
        H + '- extendedWaitUntil:\n    visible: a\n    timeout: soon\n',
        (
            "5:14: extendedWaitUntil.timeout: 'soon' is not a duration (expected a "
            'duration like 250ms, 15s, 5m, 1h, 7d or an integer of milliseconds)'
        ),
    ),
    (
        'erase_text',
        H + '- eraseText: many\n',
        "3:14: eraseText: expected an integer (found the text 'many')",
    ),
    (
        'empty_when',
        H + '- runFlow:\n    when: {}\n    commands: [back]\n',
        (
            '4:11: runFlow.when: empty condition (expected a mapping of visible, '
            'notVisible or platform)'
        ),
    ),
    (
        'nested_bad',
        H + (
            '- repeat:\n    times: 2\n    commands:\n      - tapOn: {id: a}\n      - '
            'asertVisible: b\n'
        ),
        "7:9: unknown command 'asertVisible' (did you mean 'assertVisible'?)",
    ),
    (
        'env_name',
        'appId: com.x\nenv:\n  my-var: 1\n---\n- back\n',
        (
            "3:3: env: 'my-var' is not a variable name (expected letters, digits and "
            '_)'
        ),
    ),
    (
        'devices_twice',
        'appId: com.x\nmonitor:\n  devices: [a, a]\n---\n- back\n',
        "3:16: monitor.devices: 'a' is listed twice",
    ),
    (
        'runflow_var_file',
        H + '- runFlow: ${FLOW}.yaml\n',
        (
            '3:12: runFlow: the file name cannot use variables (expected a fixed path '
            'relative to this file)'
        ),
    ),
    (
        'label_list',
        H + '- back:\n    label: [a]\n',
        '4:12: back.label: expected a text (found a list)',
    ),
]


def test_there_are_at_least_thirty_distinct_bad_files() -> None:
    assert len({text for _, text, _ in CASES}) == len(CASES) >= 30
    assert len({message for _, _, message in CASES}) == len(CASES)


@pytest.mark.parametrize(("name", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_bad_file_is_refused_with_position_and_message(
    write: Callable[..., Path], name: str, text: str, expected: str
) -> None:
    path = write(text)
    assert problems_of(path) == [expected.replace("{dir}", str(path.parent))]
