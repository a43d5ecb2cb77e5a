# bash completion for cuvet(1). The option lists are those of `cuvet COMMAND --help`
# (src/cli/cmd_*.c option tables); tests/install/test_install.sh checks they stay equal.

_cuvet_commands="doctor probe check kb arch why engine lock verify build stamp dockerfile image version help"
_cuvet_image_opts="--platform --layers --no-layers --limit-entries --limit-bytes --limit-ratio --limit-json --limit-path --authfile --no-tls-verify"
_cuvet_probe_opts="--json --root --env-file --no-nvml --no-load --timeout --nvml-lib --quiet -q --help -h"

_cuvet_opts() { # COMMAND
	case $1 in
	doctor) echo "--facts --scan --kb --image $_cuvet_image_opts $_cuvet_probe_opts" ;;
	probe) echo "--gpu-code $_cuvet_probe_opts" ;;
	why) echo "--json --root --env-file --ld-library-path --with-dlopen --no-explain --process --python --image $_cuvet_image_opts --quiet -q --help -h" ;;
	arch) echo "--list -l --gpu -g --all -a --deep --json --quiet -q --help -h" ;;
	kb) echo "--json --kb --quiet -q --help -h" ;;
	engine) echo "--json --quiet -q --help -h" ;;
	lock) echo "--output -o --artifact -a --policy -p --base-image --update -u --facts --image $_cuvet_probe_opts $_cuvet_image_opts" ;;
	verify) echo "--facts --markdown --artifacts --assume-unknown --image $_cuvet_probe_opts $_cuvet_image_opts" ;;
	build) echo "--lock -l --in -i --out -o --assume-unknown $_cuvet_probe_opts" ;;
	stamp) echo "--lock -l --in -i --facts --probe $_cuvet_probe_opts" ;;
	check) echo "--env --facts --visible-devices --assume-unknown --kb --engine --image $_cuvet_image_opts $_cuvet_probe_opts" ;;
	image) echo "--json --markdown --no-gpu-code --kb $_cuvet_image_opts --quiet -q --help -h" ;;
	"dockerfile lint") echo "--json --sarif --build-arg --platform --trusted-registry --kb --quiet -q --help -h" ;;
	"dockerfile pin") echo "--digests --check --dry-run -n --platform --build-arg --json --quiet -q --help -h" ;;
	dockerfile) echo "--help -h" ;;
	version | help) echo "--help -h" ;;
	esac
}

_cuvet() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=
	[ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()
	if [ "$COMP_CWORD" -le 1 ]; then
		mapfile -t COMPREPLY < <(compgen -W "$_cuvet_commands --help --version" -- "$cur")
		return 0
	fi
	local cmd=${COMP_WORDS[1]}
	# dockerfile's subcommand is part of the command
	if [ "$cmd" = dockerfile ]; then
		if [ "$COMP_CWORD" -eq 2 ] && [[ $cur != -* ]]; then
			mapfile -t COMPREPLY < <(compgen -W "lint pin" -- "$cur")
			return 0
		fi
		case ${COMP_WORDS[2]} in lint | pin) cmd="dockerfile ${COMP_WORDS[2]}" ;; esac
	fi
	# the argument of an option
	case $prev in
	--root | --scan | --kb) mapfile -t COMPREPLY < <(compgen -d -- "$cur"); return 0 ;;
	--facts | --env-file | --nvml-lib | --engine | --lock | -l | --in | -i | --out | -o | --output | --artifact | -a) mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return 0 ;;
	--policy | -p)
		# NAME=POLICY: the components a lock names, then the policies
		if [[ $cur == *=* ]]; then
			mapfile -t COMPREPLY < <(compgen -P "${cur%%=*}=" -W "exact patch minor major min" -- "${cur#*=}")
		else
			mapfile -t COMPREPLY < <(compgen -S = -W "driver compute-capability cudart cublas cudnn tensorrt nccl cufft curand cusparse cusparselt cusolver nvrtc nvjitlink cupti glibc" -- "$cur")
		fi
		return 0 ;;
	--base-image) return 0 ;;
	--facts | --env-file | --nvml-lib | --digests) mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return 0 ;;
	--assume-unknown) mapfile -t COMPREPLY < <(compgen -W "fail pass" -- "$cur"); return 0 ;;
	--visible-devices) mapfile -t COMPREPLY < <(compgen -W "all none" -- "$cur"); return 0 ;;
	--timeout | --gpu | -g | --ld-library-path | --build-arg | --platform | --trusted-registry) return 0 ;;
	--facts | --env-file | --nvml-lib | --authfile) mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return 0 ;;
	--image) mapfile -t COMPREPLY < <(compgen -W "docker-archive: oci: oci-archive: docker://" -- "$cur"); return 0 ;;
	--platform) mapfile -t COMPREPLY < <(compgen -W "linux/amd64 linux/arm64" -- "$cur"); return 0 ;;
	--assume-unknown) mapfile -t COMPREPLY < <(compgen -W "fail pass" -- "$cur"); return 0 ;;
	--visible-devices) mapfile -t COMPREPLY < <(compgen -W "all none" -- "$cur"); return 0 ;;
	--timeout | --gpu | -g | --ld-library-path | --limit-*) return 0 ;;
	esac
	if [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "$(_cuvet_opts "$cmd")" -- "$cur")
		return 0
	fi
	case $cmd in
	help)
		[ "$COMP_CWORD" -eq 2 ] && mapfile -t COMPREPLY < <(compgen -W "$_cuvet_commands" -- "$cur")
		;;
	kb)
		# the first word after kb's options is the question
		local i w n=0
		for ((i = 2; i < COMP_CWORD; i++)); do
			w=${COMP_WORDS[i]}
			case $w in
			--kb) i=$((i + 1)) ;;
			-*) ;;
			*) n=$((n + 1)) ;;
			esac
		done
		[ "$n" -eq 0 ] && mapfile -t COMPREPLY < <(compgen -W "driver cuda gpu image tensorrt cudnn files show" -- "$cur")
		;;
	arch | why | verify | stamp) mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
	engine)
		# engine inspect FILE...
		if [ "$COMP_CWORD" -eq 2 ]; then
			mapfile -t COMPREPLY < <(compgen -W "inspect" -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		fi
		;;
	arch | why | "dockerfile lint" | "dockerfile pin") mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
	image)
		# inspect, then the source
		local i w n=0
		for ((i = 2; i < COMP_CWORD; i++)); do
			w=${COMP_WORDS[i]}
			case $w in
			--kb | --platform | --authfile | --limit-*) i=$((i + 1)) ;;
			-*) ;;
			*) n=$((n + 1)) ;;
			esac
		done
		if [ "$n" -eq 0 ]; then
			mapfile -t COMPREPLY < <(compgen -W "inspect" -- "$cur")
		elif [ "$n" -eq 1 ]; then
			mapfile -t COMPREPLY < <(compgen -W "docker-archive: oci: oci-archive: docker://" -- "$cur")
		fi
		;;
	arch | why) mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
	esac
	return 0
}
complete -o filenames -F _cuvet cuvet
