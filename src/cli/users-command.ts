import { Command, Option } from 'commander'
import { roles } from '../access/user-store.ts'
import { WorkbenchUsers } from '../access/workbench-users.ts'
import { readConfig } from '../app/config.ts'
import { defaultTenant, openRecords } from '../app/open-engine.ts'

/** The new password: the first line of standard input (never an argument, which other users of the machine can read). */
async function passwordFromStdin(): Promise<string> {
  let text = ''
  for await (const chunk of process.stdin) text += chunk
  return text.split(/\r?\n/)[0] ?? ''
}

async function withUsers<T>(work: (users: WorkbenchUsers) => Promise<T>): Promise<T> {
  const config = readConfig(process.env)
  const records = await openRecords(config)
  try {
    return await work(new WorkbenchUsers({ store: records.store.users, clock: records.clock, sessionHours: config.sessionHours }))
  } finally {
    await records.close()
  }
}

/** `xiezhi users`: workbench users (the first admin is made here; later ones also through the API). */
export function usersCommand(): Command {
  const users = new Command('users').description('workbench users: reviewer, analyst, approver, admin')
  users
    .command('add')
    .description('add a user; the password is read from the first line of standard input')
    .argument('<username>')
    .addOption(new Option('--role <role...>', 'one or more roles').choices([...roles]).makeOptionMandatory())
    .option('--display-name <name>', 'the name shown in the workbench')
    .option('--tenant <tenant>', 'the tenant the user acts for (whose strategies, decisions and cases it sees)', defaultTenant)
    .action(async (username: string, options: { role: string[]; displayName?: string; tenant: string }) => {
      const password = await passwordFromStdin()
      const user = await withUsers((u) => u.add({ username, password, roles: options.role, ...(options.displayName ? { displayName: options.displayName } : {}) }, options.tenant))
      console.log(`added ${user.username} of tenant ${user.tenantId} (${user.roles.join(', ')})`)
    })
  users
    .command('list')
    .description("every tenant's users, or one tenant's")
    .option('--tenant <tenant>', "only this tenant's users")
    .action(async (options: { tenant?: string }) => {
      for (const u of await withUsers((users) => users.list(options.tenant))) console.log(`${u.username}  ${u.tenantId}  ${u.roles.join(',')}  ${u.displayName}${u.disabled ? '  disabled' : ''}`)
    })
  users
    .command('password')
    .description('set a new password, read from the first line of standard input')
    .argument('<username>')
    .action(async (username: string) => {
      const password = await passwordFromStdin()
      await withUsers((u) => u.setPassword(username, password))
      console.log(`password of ${username} changed`)
    })
  users
    .command('disable')
    .description('end the user\'s sign-ins for good (its history stays)')
    .argument('<username>')
    .action(async (username: string) => {
      await withUsers((u) => u.disable(username))
      console.log(`disabled ${username}`)
    })
  return users
}
