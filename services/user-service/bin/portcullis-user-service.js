#!/usr/bin/env node
// The `portcullis-user-service` command (`npx @portcullis/user-service --help`): starts the service or runs one of
// its administrative commands. A file of its own outside dist/ so the command exists before the first build.
import '../dist/cli/main.js';
