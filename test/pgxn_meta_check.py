#!/usr/bin/python3
"""test/pgxn_meta_check.py — checks a META.json against the PGXN Meta Spec
1.0 (https://pgxn.org/meta/spec.txt): the required keys, and the form of
every key the spec defines (names are Terms, versions SemVer, licenses
known ones, prereqs phases of relationships of version ranges, resources
with URIs, release_status one of three).  Keys the spec does not define
are refused, except custom x_ keys.

    pgxn_meta_check.py META.json

Prints "ok - ..." or "not ok - ... # problem" lines; exits 1 on a problem.
"""
import json
import re
import sys

SEMVER = (r'(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)'
          r'(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?')
RANGE_ONE = r'((==|!=|<=|>=|<|>)\s*)?' + SEMVER
LICENSES = {
    'agpl_3', 'apache_1_1', 'apache_2_0', 'artistic_1', 'artistic_2', 'bsd', 'freebsd',
    'gfdl_1_2', 'gfdl_1_3', 'gpl_1', 'gpl_2', 'gpl_3', 'lgpl_2_1', 'lgpl_3_0', 'mit',
    'mozilla_1_0', 'mozilla_1_1', 'openssl', 'perl_5', 'postgresql', 'qpl_1_0', 'ssleay',
    'sun', 'zlib', 'open_source', 'restricted', 'unrestricted', 'unknown'}
PHASES = {'configure', 'build', 'test', 'runtime', 'develop'}
RELATIONS = {'requires', 'recommends', 'suggests', 'conflicts'}
TOP = {'name', 'version', 'abstract', 'maintainer', 'license', 'provides', 'meta-spec',
       'description', 'generated_by', 'tags', 'no_index', 'prereqs', 'release_status',
       'resources'}
REQUIRED = ['name', 'version', 'abstract', 'maintainer', 'license', 'provides', 'meta-spec']


def custom(key):
    return re.match(r'^[xX]_.', key) is not None


def term(v):
    return isinstance(v, str) and re.fullmatch(r'[^/\\\s\x00-\x1f\x7f]{2,}', v) is not None


def semver(v):
    return isinstance(v, str) and re.fullmatch(SEMVER, v) is not None


def version_range(v):
    if v == 0:
        return True
    return isinstance(v, str) and re.fullmatch(r'(%s|0)(,\s*%s)*' % (RANGE_ONE, RANGE_ONE),
                                               v) is not None


def uri(v):
    return isinstance(v, str) and re.match(r'^[A-Za-z][A-Za-z0-9+.-]*:\S+$', v) is not None


def nonempty(v):
    return isinstance(v, str) and len(v) > 0


def only(obj, allowed, where, problems):
    for k in obj:
        if k not in allowed and not custom(k):
            problems.append("%s: unknown key %r" % (where, k))


def check(meta):
    problems = []
    if not isinstance(meta, dict):
        return ["META.json is not an object"]
    for k in REQUIRED:
        if k not in meta:
            problems.append("missing required key %r" % k)
    only(meta, TOP, "top level", problems)
    if 'name' in meta and not term(meta['name']):
        problems.append("name %r is not a Term" % meta['name'])
    if 'version' in meta and not semver(meta['version']):
        problems.append("version %r is not SemVer" % meta['version'])
    for k in ('abstract', 'description', 'generated_by'):
        if k in meta and not nonempty(meta[k]):
            problems.append("%s must be a non-empty string" % k)
    m = meta.get('maintainer')
    if m is not None and not (nonempty(m) or (isinstance(m, list) and m and
                                               all(nonempty(x) for x in m) and
                                               len(set(m)) == len(m))):
        problems.append("maintainer must be a string or a list of distinct strings")
    lic = meta.get('license')
    if lic is not None:
        if isinstance(lic, str):
            ok = lic in LICENSES
        elif isinstance(lic, list):
            ok = bool(lic) and len(set(lic)) == len(lic) and all(x in LICENSES for x in lic)
        elif isinstance(lic, dict):
            ok = bool(lic) and all(uri(u) for u in lic.values())
        else:
            ok = False
        if not ok:
            problems.append("license %r is not a known license, list of them, or map to URIs"
                            % (lic,))
    prov = meta.get('provides')
    if prov is not None:
        if not isinstance(prov, dict) or not prov:
            problems.append("provides must be a non-empty object")
        else:
            for name, ext in prov.items():
                where = "provides.%s" % name
                if not term(name):
                    problems.append("%s: name is not a Term" % where)
                if not isinstance(ext, dict):
                    problems.append("%s must be an object" % where)
                    continue
                only(ext, {'file', 'version', 'abstract', 'docfile'}, where, problems)
                for k in ('file', 'version'):
                    if k not in ext:
                        problems.append("%s: missing %r" % (where, k))
                if 'version' in ext and not semver(ext['version']):
                    problems.append("%s: version %r is not SemVer" % (where, ext['version']))
                for k in ('file', 'docfile', 'abstract'):
                    if k in ext and not nonempty(ext[k]):
                        problems.append("%s: %s must be a non-empty string" % (where, k))
    ms = meta.get('meta-spec')
    if ms is not None:
        if not isinstance(ms, dict) or not re.fullmatch(r'1\.0\.\d+', str(ms.get('version', ''))):
            problems.append("meta-spec.version must be 1.0.x")
        else:
            only(ms, {'version', 'url'}, "meta-spec", problems)
            if 'url' in ms and ms['url'] not in ('https://pgxn.org/meta/spec.txt',
                                                 'http://pgxn.org/meta/spec.txt'):
                problems.append("meta-spec.url is not the spec's")
    tags = meta.get('tags')
    if tags is not None and not (isinstance(tags, list) and tags and len(set(tags)) == len(tags)
                                 and all(isinstance(t, str) and 2 <= len(t) <= 255 and
                                         re.fullmatch(r'[^/\\\x00-\x1f\x7f]+', t)
                                         for t in tags)):
        problems.append("tags must be distinct strings of 2 to 255 characters")
    pre = meta.get('prereqs')
    if pre is not None:
        if not isinstance(pre, dict) or not any(p in pre for p in PHASES):
            problems.append("prereqs must name at least one phase")
        else:
            only(pre, PHASES, "prereqs", problems)
            for phase, rels in pre.items():
                if custom(phase):
                    continue
                where = "prereqs.%s" % phase
                if not isinstance(rels, dict) or not any(r in rels for r in RELATIONS):
                    problems.append("%s must name a relationship" % where)
                    continue
                only(rels, RELATIONS, where, problems)
                for rel, deps in rels.items():
                    if custom(rel):
                        continue
                    if not isinstance(deps, dict) or not deps:
                        problems.append("%s.%s must be a non-empty object" % (where, rel))
                        continue
                    for name, rng in deps.items():
                        if not term(name):
                            problems.append("%s.%s: %r is not a Term" % (where, rel, name))
                        if not version_range(rng):
                            problems.append("%s.%s.%s: %r is not a version range"
                                            % (where, rel, name, rng))
    if 'release_status' in meta and meta['release_status'] not in ('stable', 'testing',
                                                                   'unstable'):
        problems.append("release_status must be stable, testing or unstable")
    res = meta.get('resources')
    if res is not None:
        if not isinstance(res, dict) or not any(k in res for k in
                                                ('homepage', 'bugtracker', 'repository')):
            problems.append("resources must give a homepage, bugtracker or repository")
        else:
            only(res, {'homepage', 'bugtracker', 'repository'}, "resources", problems)
            if 'homepage' in res and not uri(res['homepage']):
                problems.append("resources.homepage is not a URI")
            bt = res.get('bugtracker')
            if bt is not None:
                if not isinstance(bt, dict) or not ('web' in bt or 'mailto' in bt):
                    problems.append("resources.bugtracker needs web or mailto")
                else:
                    only(bt, {'web', 'mailto'}, "resources.bugtracker", problems)
                    if 'web' in bt and not uri(bt['web']):
                        problems.append("resources.bugtracker.web is not a URI")
                    if 'mailto' in bt and not re.fullmatch(r'[^@\s]+@[^@\s]+\.[^@\s]+',
                                                           str(bt['mailto'])):
                        problems.append("resources.bugtracker.mailto is not an address")
            repo = res.get('repository')
            if repo is not None:
                if not isinstance(repo, dict) or not (('url' in repo and 'type' in repo)
                                                      or 'web' in repo):
                    problems.append("resources.repository needs url and type, or web")
                else:
                    only(repo, {'url', 'web', 'type'}, "resources.repository", problems)
                    for k in ('url', 'web'):
                        if k in repo and not uri(repo[k]):
                            problems.append("resources.repository.%s is not a URI" % k)
                    if 'type' in repo and not re.fullmatch(r'[a-z]+', str(repo['type'])):
                        problems.append("resources.repository.type must be lowercase")
    ni = meta.get('no_index')
    if ni is not None:
        if not isinstance(ni, dict):
            problems.append("no_index must be an object")
        else:
            only(ni, {'file', 'directory'}, "no_index", problems)
    return problems


def main():
    path = sys.argv[1]
    try:
        with open(path, encoding='utf-8') as f:
            meta = json.load(f)
    except (OSError, ValueError) as e:
        print("not ok - META.json is valid against the PGXN Meta Spec # %s" % e)
        return 1
    problems = check(meta)
    if problems:
        print("not ok - META.json is valid against the PGXN Meta Spec # %s"
              % "; ".join(problems[:5]))
        return 1
    print("ok - META.json is valid against the PGXN Meta Spec (%s %s)"
          % (meta['name'], meta['version']))
    return 0


if __name__ == "__main__":
    sys.exit(main())
