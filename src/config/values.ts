// The typed values of one configuration snapshot, keyed by directive name. config/
// declares the interface empty; each directive owner adds its own directives to it with
// TypeScript module augmentation, next to where it declares them:
//
//   type EnumValues = ValuesOf<typeof enumDirectives>;
//   declare module '../../config/values.js' { interface ConfigValues extends EnumValues {} }
//
// so `config.values.Cisco_Enum` is typed everywhere while config/ imports no feature.

// eslint-disable-next-line @typescript-eslint/no-empty-interface, @typescript-eslint/no-empty-object-type
export interface ConfigValues {}
