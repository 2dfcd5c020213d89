using Ductus.Cli;

return await DuctusCli.RunInConsoleAsync(args);
